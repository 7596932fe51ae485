"""ejustice gateway service."""
