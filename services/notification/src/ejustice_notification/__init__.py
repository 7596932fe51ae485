"""ejustice notification service."""
