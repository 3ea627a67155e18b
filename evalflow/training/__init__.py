"""集中培训 training: schedule and materials, attendance, the venue check-in, the shared Q&A."""
