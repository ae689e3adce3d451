from typing import List


class Solution:
    def minMeetingRooms(self, intervals: List[List[int]]) -> int:
        starts = sorted(s for s, _ in intervals)
        ends = sorted(e for _, e in intervals)
        rooms = best = 0
        j = 0
        for s in starts:
            # half-open: a meeting ending at s has already freed its room
            while j < len(ends) and ends[j] <= s:
                j += 1
                rooms -= 1
            rooms += 1
            if rooms > best:
                best = rooms
        return best
