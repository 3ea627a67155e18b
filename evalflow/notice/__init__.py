"""公示 notice and 审定表彰 final: the public notice, objections, the commendation list and certificates."""
