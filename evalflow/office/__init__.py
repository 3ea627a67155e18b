"""The office's desk over the whole process: campaigns, the one door between phases, the activity
log, backups, the landing page."""
