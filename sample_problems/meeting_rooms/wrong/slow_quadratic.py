# bug: too slow: for every meeting counts the meetings running at its start time, O(n^2) for n up to 100000
from typing import List


class Solution:
    def minMeetingRooms(self, intervals: List[List[int]]) -> int:
        best = 0
        for s, _ in intervals:
            active = 0
            for a, b in intervals:
                if a <= s < b:
                    active += 1
            best = max(best, active)
        return best
