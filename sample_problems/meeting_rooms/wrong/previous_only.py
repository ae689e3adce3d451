# bug: wrong greedy: after sorting, only compares each meeting with the previous one instead of with the earliest-ending room
from typing import List


class Solution:
    def minMeetingRooms(self, intervals: List[List[int]]) -> int:
        if not intervals:
            return 0
        intervals = sorted(intervals)
        rooms = 1
        for i in range(1, len(intervals)):
            if intervals[i][0] < intervals[i - 1][1]:
                rooms += 1
        return rooms
