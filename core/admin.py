"""Admin for the service logbook."""
