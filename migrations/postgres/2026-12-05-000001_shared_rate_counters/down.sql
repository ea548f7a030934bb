DROP TABLE throttle_windows;
DROP TABLE rate_counters;
