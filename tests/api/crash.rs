//! A crash in the middle of a burst of writes: members start threads, reply, react and flag,
//! all at once, and the server process is killed with SIGKILL while their requests are in
//! flight. Started again on the same database, it has every write it acknowledged, and every
//! counter agrees with the rows it counts.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::process::Stdio;
use std::rc::Rc;
use std::time::Duration;

use awc::http::Method;
use butterfly::auth::model::Role;
use butterfly::db::{DatabaseUrl, Db, DbError};
use diesel::RunQueryDsl;
use serde_json::json;

use crate::harness::database::Count;
use crate::harness::faults::ServerProcess;
use crate::harness::http::call;
use crate::harness::{PASSWORD, TestDatabase};

/// Writes acknowledged before the kill.
const ACKNOWLEDGED_BEFORE_KILL: usize = 120;
const WRITERS: usize = 4;

/// Every write the server answered with success.
#[derive(Default)]
struct Acknowledged {
    threads: BTreeSet<i64>,
    /// (post, author).
    posts: Vec<(i64, usize)>,
    /// (post, member, kind).
    reactions: BTreeSet<(i64, i64, String)>,
    /// (post, reporter).
    flags: BTreeSet<(i64, i64)>,
    count: usize,
}

/// One member writing as fast as the server answers, until it stops answering.
async fn writer(
    base: String,
    me: usize,
    user_id: i64,
    token: String,
    acked: Rc<RefCell<Acknowledged>>,
) {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    for i in 0..5_000usize {
        let others_post = |acked: &Acknowledged| {
            let candidates: Vec<i64> = acked
                .posts
                .iter()
                .filter(|(_, author)| *author != me)
                .map(|(post, _)| *post)
                .collect();
            (!candidates.is_empty()).then(|| candidates[rand::random_range(0..candidates.len())])
        };
        let (threads, others_post) = {
            let acked = acked.borrow();
            let threads: Vec<i64> = acked.threads.iter().copied().collect();
            (threads, others_post(&acked))
        };
        let answer = match (i % 4, others_post) {
            (1, _) if !threads.is_empty() => {
                let thread = threads[rand::random_range(0..threads.len())];
                let url = format!("{base}/api/v1/threads/{thread}/posts");
                let body = json!({"body": format!("Reply {i} from writer {me}")});
                call(&client, Method::POST, &url, Some(&token), Some(body))
                    .await
                    .map(|(status, reply)| {
                        if status == 201 {
                            let mut acked = acked.borrow_mut();
                            acked.posts.push((reply["id"].as_i64().unwrap_or(0), me));
                            acked.count += 1;
                        }
                    })
            }
            (2, Some(post)) => {
                let kind = ["support", "helpful", "hug"][rand::random_range(0..3)];
                let url = format!("{base}/api/v1/posts/{post}/reactions/{kind}");
                call(&client, Method::PUT, &url, Some(&token), None)
                    .await
                    .map(|(status, _)| {
                        if status == 200 {
                            let mut acked = acked.borrow_mut();
                            acked.reactions.insert((post, user_id, kind.to_owned()));
                            acked.count += 1;
                        }
                    })
            }
            (3, Some(post)) if !acked.borrow().flags.contains(&(post, user_id)) => {
                let url = format!("{base}/api/v1/posts/{post}/flags");
                let body = json!({"reason": "spam"});
                call(&client, Method::POST, &url, Some(&token), Some(body))
                    .await
                    .map(|(status, _)| {
                        if status == 201 {
                            let mut acked = acked.borrow_mut();
                            acked.flags.insert((post, user_id));
                            acked.count += 1;
                        }
                    })
            }
            _ => {
                let url = format!("{base}/api/v1/boards/my-story/threads");
                let body = json!({"title": format!("Thread {i} of writer {me}"),
                                  "body": "Fatigue again today."});
                call(&client, Method::POST, &url, Some(&token), Some(body))
                    .await
                    .map(|(status, thread)| {
                        if status == 201 {
                            let mut acked = acked.borrow_mut();
                            acked.threads.insert(thread["id"].as_i64().unwrap_or(0));
                            let first = thread["first_post_id"].as_i64().unwrap_or(0);
                            acked.posts.push((first, me));
                            acked.count += 1;
                        }
                    })
            }
        };
        if answer.is_err() {
            // The server is gone.
            return;
        }
    }
}

fn count(db: &Db, sql: String) -> i64 {
    db.read_blocking(move |conn| {
        diesel::sql_query(sql.clone())
            .get_result::<Count>(conn)
            .map(|c| c.n)
            .map_err(DbError::from)
    })
    .unwrap_or_else(|e| panic!("cannot count: {e}"))
}

/// Rows whose counters disagree with what they count; each query must answer 0.
const INVARIANTS: &[(&str, &str)] = &[
    (
        "threads whose reply count is not their published replies",
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM threads t WHERE t.reply_count <> \
         (SELECT COUNT(*) FROM posts p WHERE p.thread_id = t.id AND p.is_first = FALSE \
          AND p.status = 'published')",
    ),
    (
        "threads whose reaction count is not the reactions to their posts",
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM threads t WHERE t.reaction_count <> \
         (SELECT COUNT(*) FROM reactions r JOIN posts p ON p.id = r.post_id \
          WHERE p.thread_id = t.id)",
    ),
    (
        "posts whose reaction counts are not their reactions",
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM posts p WHERE \
         p.support_count <> (SELECT COUNT(*) FROM reactions r WHERE r.post_id = p.id AND r.kind = 'support') \
         OR p.helpful_count <> (SELECT COUNT(*) FROM reactions r WHERE r.post_id = p.id AND r.kind = 'helpful') \
         OR p.hug_count <> (SELECT COUNT(*) FROM reactions r WHERE r.post_id = p.id AND r.kind = 'hug')",
    ),
    (
        "boards whose thread count is not their published threads",
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM boards b WHERE b.thread_count <> \
         (SELECT COUNT(*) FROM threads t WHERE t.board_id = b.id AND t.status = 'published')",
    ),
    (
        "open flags without an open queue item",
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM flags f WHERE f.status = 'open' AND NOT EXISTS \
         (SELECT 1 FROM mod_items m WHERE m.subject_id = f.post_id \
          AND m.kind IN ('flagged_post', 'crisis') AND m.status = 'open')",
    ),
];

#[actix_web::test]
async fn a_server_killed_in_a_burst_of_writes_keeps_every_write_it_acknowledged() {
    let database = TestDatabase::create();
    let url = DatabaseUrl::parse(database.url()).expect("the test database URL parses");
    let db = Db::connect_on_demand(&url, 2).expect("the test database opens");
    db.migrate().expect("the test database migrates");
    let mut members = Vec::new();
    for i in 0..WRITERS {
        let email = format!("writer{i}@example.test");
        let id = butterfly::accounts::service::create_user(
            &db,
            &email,
            &format!("Writer_{i}"),
            PASSWORD,
            Role::Member,
        )
        .await
        .expect("a member account");
        members.push((id, email));
    }

    let dir = tempfile::tempdir().expect("a temporary folder");
    let data_dir = dir.path().join("data").to_string_lossy().into_owned();
    let env = [
        ("BUTTERFLY_DATA_DIR", data_dir.as_str()),
        ("BUTTERFLY_DATABASE_URL", database.url()),
        ("BUTTERFLY_LOG", "warn"),
        ("BUTTERFLY_RATE_LIMITS__ENABLED", "false"),
    ];
    let server = ServerProcess::start(&env, dir.path(), Stdio::null(), Stdio::null()).await;
    let client = awc::Client::default();
    let mut tokens = Vec::new();
    for (_, email) in &members {
        let (status, session) = call(
            &client,
            Method::POST,
            &format!("{}/api/v1/sessions", server.base),
            None,
            Some(json!({"email": email, "password": PASSWORD})),
        )
        .await
        .expect("the server answers");
        assert_eq!(status, 200, "{session}");
        tokens.push(
            session["access_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }

    let acked = Rc::new(RefCell::new(Acknowledged::default()));
    let writers = members
        .iter()
        .zip(&tokens)
        .enumerate()
        .map(|(me, ((id, _), token))| {
            writer(server.base.clone(), me, *id, token.clone(), acked.clone())
        });
    let killer = async {
        let started = std::time::Instant::now();
        while acked.borrow().count < ACKNOWLEDGED_BEFORE_KILL {
            if started.elapsed() > Duration::from_secs(120) {
                server.signal(libc::SIGKILL);
                panic!(
                    "the writers got only {} writes acknowledged in 120 s",
                    acked.borrow().count
                );
            }
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
        }
        server.signal(libc::SIGKILL);
    };
    futures_util::future::join(futures_util::future::join_all(writers), killer).await;
    let mut server = server;
    let status = server.wait(Duration::from_secs(10)).await;
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(libc::SIGKILL)
    );
    drop(server);

    // Started again on the same database.
    let server = ServerProcess::start(&env, dir.path(), Stdio::null(), Stdio::null()).await;
    let acked = Rc::try_unwrap(acked)
        .ok()
        .expect("the writers are done")
        .into_inner();
    assert!(acked.count >= ACKNOWLEDGED_BEFORE_KILL);
    let ids = |set: &mut dyn Iterator<Item = i64>| {
        set.map(|id| id.to_string()).collect::<Vec<_>>().join(",")
    };
    let threads = acked.threads.len() as i64;
    assert_eq!(
        count(
            &db,
            format!(
                "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM threads WHERE id IN ({})",
                ids(&mut acked.threads.iter().copied())
            )
        ),
        threads,
        "an acknowledged thread is missing"
    );
    let posts: BTreeSet<i64> = acked.posts.iter().map(|(post, _)| *post).collect();
    assert_eq!(
        count(
            &db,
            format!(
                "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM posts WHERE id IN ({})",
                ids(&mut posts.iter().copied())
            )
        ),
        posts.len() as i64,
        "an acknowledged post is missing"
    );
    for (post, user, kind) in acked.reactions.iter() {
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM reactions \
             WHERE post_id = {post} AND user_id = {user} AND kind = '{kind}'"
        );
        assert_eq!(
            count(&db, sql),
            1,
            "the {kind} of {user} on post {post} is missing"
        );
    }
    for (post, reporter) in acked.flags.iter() {
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM flags \
             WHERE post_id = {post} AND reporter_id = {reporter}"
        );
        assert_eq!(
            count(&db, sql),
            1,
            "the flag of {reporter} on post {post} is missing"
        );
    }
    for (what, sql) in INVARIANTS {
        assert_eq!(count(&db, (*sql).to_owned()), 0, "{what}");
    }

    // And it serves: the burst goes on.
    let (status, thread) = call(
        &client,
        Method::POST,
        &format!("{}/api/v1/boards/my-story/threads", server.base),
        Some(&tokens[0]),
        Some(json!({"title": "Back again", "body": "The server restarted."})),
    )
    .await
    .expect("the restarted server answers");
    assert_eq!(status, 201, "{thread}");
}
