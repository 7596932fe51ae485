"""ejustice payment service."""
