"""genesis package."""
