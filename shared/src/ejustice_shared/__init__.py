"""What every ejustice service shares."""
