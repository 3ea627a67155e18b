"""What every phase stands on: the campaign with its units and seats, accounts and access, the audit
chain, files, text, the clock, and the machinery of the API and the HTML pages. Knows no phase."""
