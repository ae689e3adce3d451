# bug: treats intervals as closed: on equal times the start event is processed before the end event, so touching meetings need two rooms
from typing import List


class Solution:
    def minMeetingRooms(self, intervals: List[List[int]]) -> int:
        events = []
        for start, end in intervals:
            events.append((start, 0))  # 0 = start, sorts before an end at the same time
            events.append((end, 1))
        events.sort()
        rooms = best = 0
        for _, kind in events:
            if kind == 0:
                rooms += 1
                best = max(best, rooms)
            else:
                rooms -= 1
        return best
