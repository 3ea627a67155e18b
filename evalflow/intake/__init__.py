"""申报 intake: units register and submit their report; the office reviews and records vetoes."""
