"""What every PDF builder shares: the embedded CJK font, QR codes, text that fits its box."""
