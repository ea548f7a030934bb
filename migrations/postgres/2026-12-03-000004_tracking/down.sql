DROP TABLE board_tracking;
DROP TABLE thread_tracking;
