"""The service logbook lives here (see the logbook issue)."""
