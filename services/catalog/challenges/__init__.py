"""揭榜挂帅: challenge calls with bounties, applications, expert review, award and paid milestones."""
