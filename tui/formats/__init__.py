"""Readers of articles (txt, jsonl, folders) and exporters of gold data."""
