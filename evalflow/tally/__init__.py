"""综合评定 review: the tally of the ballots, bias signals, the seal, reports and the proposed list."""
