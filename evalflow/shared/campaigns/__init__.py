"""The campaign every phase belongs to: its settings and scoring form, its units and their seats."""
