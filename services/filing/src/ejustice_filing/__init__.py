"""ejustice filing service."""
