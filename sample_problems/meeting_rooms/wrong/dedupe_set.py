# bug: removes duplicate meetings with a set, so identical meetings wrongly share one room
import heapq
from typing import List


class Solution:
    def minMeetingRooms(self, intervals: List[List[int]]) -> int:
        meetings = sorted(set(tuple(m) for m in intervals))
        heap = []
        for start, end in meetings:
            if heap and heap[0] <= start:
                heapq.heapreplace(heap, end)
            else:
                heapq.heappush(heap, end)
        return len(heap)
