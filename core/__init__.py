"""Core: settings, database, base model classes, domain errors and migrations shared by every package."""
