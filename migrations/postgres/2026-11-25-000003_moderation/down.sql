DROP TABLE appeals;
DROP TABLE member_notes;
DROP TABLE watched_words;
DROP TABLE sanctions;
DROP TABLE mod_log;
DROP TABLE mod_items;
DROP TABLE flags;
