"""ejustice registry service."""
