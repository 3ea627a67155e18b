"""集中听取汇报 + 互评: delegates' seats and cards, the agenda, open/close scoring, ballots (phone and paper)."""
