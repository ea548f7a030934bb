DROP TABLE activity_digests;
