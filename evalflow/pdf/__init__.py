"""PDF builders (reportlab): plain data in, bytes out. Nothing here touches the database or Flask."""
