"""The gold store: TinyDB on disk, with a journal so every decision is durable at once."""
