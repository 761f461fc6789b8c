"""The commands behind `byline ...`: plain functions the CLI wraps and tests call."""
