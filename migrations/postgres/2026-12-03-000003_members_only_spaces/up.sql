-- Members-only boards: visitors and search engines never see their threads (not in lists,
-- search or counts). The sensitive boards start members only, and a board for pregnancy and
-- family planning is added as one.
ALTER TABLE boards ADD COLUMN members_only BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE boards SET members_only = TRUE WHERE slug = 'mental-health';
INSERT INTO boards (slug, name, description, position, members_only, created_at)
    SELECT 'pregnancy', 'Pregnancy & family planning',
        'Planning a pregnancy, being pregnant and early parenthood with lupus. Members only. Health education only: plan with your rheumatologist and obstetrician.',
        COALESCE(MAX(position), 0) + 1, TRUE, CURRENT_TIMESTAMP
    FROM boards
    WHERE NOT EXISTS (SELECT 1 FROM boards WHERE slug = 'pregnancy');

-- A member may hide her profile page from visitors (members still see it).
ALTER TABLE users ADD COLUMN profile_hidden BOOLEAN NOT NULL DEFAULT FALSE;
