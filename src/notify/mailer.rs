//! The mail transport: SMTP through lettre when `smtp_url` is configured, otherwise `.eml` files
//! under `{data_dir}/outbox/`. Sending is blocking; the outbox worker calls it on the blocking
//! pool. Also [`read_text_part`], which reads the plain-text part back out of a raw message.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::{FileTransport, Message, SmtpTransport, Transport};

use crate::config::Settings;
use crate::notify::templates::{self, Email};

/// What the SMTP URL may look like, for error messages.
const SMTP_URL_FORMS: &str =
    "use smtp://host:port, smtp://host:port?tls=required (STARTTLS) or smtps://host:port";

/// Where email goes.
#[derive(Clone)]
pub enum Mailer {
    /// An SMTP server (`smtp_url`).
    Smtp(SmtpTransport),
    /// One `.eml` file per message in this folder.
    Files(PathBuf),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The transport holds the credentials: never print it.
            Self::Smtp(_) => f.write_str("Mailer::Smtp"),
            Self::Files(dir) => f.debug_tuple("Mailer::Files").field(dir).finish(),
        }
    }
}

/// Why a mailer could not be built or a message not sent. The text never contains the message
/// body, the link or the SMTP password.
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    /// A setting cannot be used; the text is one sentence for the operator.
    #[error("{0}")]
    Config(String),
    #[error("the sender address `{0}` is not a valid email address")]
    From(String),
    #[error("the recipient address is not a valid email address")]
    To,
    #[error("the message cannot be built: {0}")]
    Build(String),
    #[error("the SMTP server did not take the message: {0}")]
    Smtp(String),
    #[error("the message cannot be written to a file: {0}")]
    File(String),
}

impl MailerError {
    /// True when sending the same message again cannot succeed (a bad address), so retrying is
    /// pointless.
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::From(_) | Self::To | Self::Build(_))
    }
}

impl Mailer {
    /// SMTP when `smtp_url` is set, otherwise files in `{data_dir}/outbox/` (the folder is created
    /// and checked to be writable). Also checks that `mail_from` is a valid address.
    pub fn from_settings(settings: &Settings) -> Result<Mailer, MailerError> {
        parse_from(&settings.mail_from)?;
        match &settings.smtp_url {
            Some(url) => smtp(
                url.expose(),
                Duration::from_secs(settings.outbox.send_timeout_secs.max(1)),
            )
            .map(Mailer::Smtp),
            None => {
                let dir = settings.data_dir.join("outbox");
                prepare_folder(&dir)?;
                Ok(Mailer::Files(dir))
            }
        }
    }

    /// Renders and sends one email (blocking). `from` is the sender, e.g. `settings.mail_from`;
    /// `message_id` its `Message-ID` header, angle brackets included.
    pub fn send(&self, from: &str, email: &Email, message_id: &str) -> Result<(), MailerError> {
        let message = build_message(from, email, message_id, matches!(self, Self::Files(_)))?;
        match self {
            Self::Smtp(transport) => transport
                .send(&message)
                .map(|_| ())
                .map_err(|e| MailerError::Smtp(e.to_string())),
            Self::Files(dir) => FileTransport::new(dir)
                .send(&message)
                .map(|_| ())
                .map_err(|e| MailerError::File(e.to_string())),
        }
    }
}

fn parse_from(from: &str) -> Result<Mailbox, MailerError> {
    from.parse::<Mailbox>()
        .map_err(|_| MailerError::From(from.to_owned()))
}

/// Builds the SMTP transport, checking the URL first so that a mistake gets a clear sentence.
/// The URL itself is never repeated in the error: it may hold a password. `timeout` bounds each
/// step of an exchange.
fn smtp(raw: &str, timeout: Duration) -> Result<SmtpTransport, MailerError> {
    let bad = |why: &str| {
        MailerError::Config(format!(
            "the SMTP URL cannot be used ({why}); {SMTP_URL_FORMS}"
        ))
    };
    let url = url::Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "smtp" | "smtps") {
        return Err(bad(&format!("unknown scheme `{}`", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it names no host"));
    }
    let tls = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    if let Some(tls) = tls.as_deref()
        && !matches!(tls, "required" | "opportunistic")
    {
        return Err(bad(&format!(
            "tls must be `required` or `opportunistic`, not `{tls}`"
        )));
    }
    let builder = SmtpTransport::from_url(raw.trim()).map_err(|e| bad(&e.to_string()))?;
    Ok(builder.timeout(Some(timeout)).build())
}

/// Creates the mail folder and proves it can be written to.
fn prepare_folder(dir: &Path) -> Result<(), MailerError> {
    let fail = |e: std::io::Error| {
        MailerError::Config(format!(
            "the mail folder {} cannot be created or written to: {e}",
            dir.display()
        ))
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"").map_err(fail)?;
    std::fs::remove_file(&probe).map_err(fail)?;
    Ok(())
}

/// Builds the multipart/alternative message. `readable` writes the parts as 8-bit text where
/// possible, so an `.eml` file shows the link as it is (SMTP gets lettre's 7-bit-safe encoding,
/// because not every server takes 8BITMIME).
fn build_message(
    from: &str,
    email: &Email,
    message_id: &str,
    readable: bool,
) -> Result<Message, MailerError> {
    let from = parse_from(from)?;
    let to = email
        .to
        .trim()
        .parse::<Mailbox>()
        .map_err(|_| MailerError::To)?;
    let rendered = templates::render(email.template, email.locale, &email.vars);
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(body(rendered.text, readable));
    let html = SinglePart::builder()
        .header(ContentType::TEXT_HTML)
        .body(body(rendered.html, readable));
    Message::builder()
        .from(from)
        .to(to)
        .subject(rendered.subject)
        .message_id(Some(message_id.to_owned()))
        .multipart(MultiPart::alternative().singlepart(text).singlepart(html))
        .map_err(|e| MailerError::Build(e.to_string()))
}

/// Longest line an 8-bit MIME body may have (998 octets, RFC 5322), with a margin.
const MAX_8BIT_LINE: usize = 990;

fn body(content: String, readable: bool) -> Body {
    let fits_8bit = !content.contains('\0') && content.lines().all(|l| l.len() <= MAX_8BIT_LINE);
    if readable && fits_8bit {
        let crlf = content.replace('\r', "").replace('\n', "\r\n");
        Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::EightBit)
    } else {
        Body::new(content)
    }
}

/// Reads the `text/plain` part of a raw message as written by this mailer (or received over
/// SMTP), undoing quoted-printable or base64. For tests and tools that need the link; `None`
/// when the message has no such part.
pub fn read_text_part(raw: &[u8]) -> Option<String> {
    let raw = String::from_utf8_lossy(raw);
    let lower = raw.to_ascii_lowercase();
    let start = lower.find("content-type: text/plain")?;
    let rest = &raw[start..];
    let (headers, body) = split_headers(rest)?;
    let body = match body.find("\r\n--").or_else(|| body.find("\n--")) {
        Some(end) => &body[..end],
        None => body,
    };
    let encoding = headers
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-transfer-encoding")
                .then(|| value.trim().to_ascii_lowercase())
        })
        .unwrap_or_default();
    let bytes = match encoding.as_str() {
        "quoted-printable" => decode_quoted_printable(body),
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .ok()?
        }
        _ => body.as_bytes().to_vec(),
    };
    Some(String::from_utf8_lossy(&bytes).replace("\r\n", "\n"))
}

fn split_headers(part: &str) -> Option<(&str, &str)> {
    if let Some(i) = part.find("\r\n\r\n") {
        return Some((&part[..i], &part[i + 4..]));
    }
    part.find("\n\n").map(|i| (&part[..i], &part[i + 2..]))
}

fn decode_quoted_printable(input: &str) -> Vec<u8> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'=' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let next = &bytes[i + 1..];
        if next.starts_with(b"\r\n") {
            i += 3; // soft line break
        } else if next.starts_with(b"\n") {
            i += 2;
        } else if let Some(byte) = next
            .get(..2)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(b'=');
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::model::Locale;
    use crate::config::Secret;
    use crate::notify::templates::{MailVars, Template};

    fn settings(dir: &Path, smtp_url: Option<&str>) -> Settings {
        Settings {
            data_dir: dir.to_path_buf(),
            smtp_url: smtp_url.map(Secret::new),
            ..Settings::default()
        }
    }

    fn email(locale: Locale, link: &str) -> Email {
        Email {
            to: "ann@example.com".into(),
            locale,
            template: Template::VerifyEmail,
            vars: MailVars {
                display_name: "Ann".into(),
                link: Some(link.into()),
            },
        }
    }

    #[test]
    fn garbage_smtp_urls_are_refused_with_one_clear_sentence() {
        let dir = tempfile::tempdir().unwrap();
        for url in [
            "smtp://",
            "smtp//mail.example.com",
            "not a url",
            "http://mail.example.com",
            "smtp://mail.example.com:99999",
            "smtp://mail.example.com?tls=sometimes",
            "smtp://user:hunter2@:25",
        ] {
            let err = Mailer::from_settings(&settings(dir.path(), Some(url))).unwrap_err();
            let text = err.to_string();
            assert!(matches!(err, MailerError::Config(_)), "{url}: {text}");
            assert!(
                text.starts_with("the SMTP URL cannot be used"),
                "{url}: {text}"
            );
            assert!(!text.contains('\n'), "{url}: {text}");
            assert!(!text.contains("hunter2"), "{url}: {text}");
        }
    }

    #[test]
    fn good_smtp_urls_build_an_smtp_mailer() {
        let dir = tempfile::tempdir().unwrap();
        for url in [
            "smtp://localhost:1025",
            "smtp://user:secret@mail.example.com:587?tls=required",
            "smtps://mail.example.com",
        ] {
            let mailer = Mailer::from_settings(&settings(dir.path(), Some(url))).unwrap();
            assert!(matches!(mailer, Mailer::Smtp(_)), "{url}");
            assert_eq!(format!("{mailer:?}"), "Mailer::Smtp");
        }
    }

    #[test]
    fn a_bad_sender_address_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = settings(dir.path(), None);
        s.mail_from = "not an address".into();
        let err = Mailer::from_settings(&s).unwrap_err();
        assert!(matches!(err, MailerError::From(_)), "{err}");
    }

    #[test]
    fn without_smtp_mail_goes_to_files_in_the_data_folder() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::from_settings(&settings(dir.path(), None)).unwrap();
        let outbox = dir.path().join("outbox");
        assert!(matches!(&mailer, Mailer::Files(p) if *p == outbox));
        assert!(outbox.is_dir());
        assert_eq!(std::fs::read_dir(&outbox).unwrap().count(), 0);
    }

    #[test]
    fn a_data_folder_that_is_a_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("data");
        std::fs::write(&file, b"x").unwrap();
        let err = Mailer::from_settings(&settings(&file, None)).unwrap_err();
        assert!(err.to_string().starts_with("the mail folder"), "{err}");
    }

    fn sent_files(dir: &Path) -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect()
    }

    #[test]
    fn the_files_mailer_writes_one_eml_with_the_link_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::from_settings(&settings(dir.path(), None)).unwrap();
        let link = "http://localhost:8080/verify-email?token=Zm9vYmFyYmF6cXV4LXF1dXgtY29yZ2UtZ3JhdWx0LWdhcnBseQ";
        for locale in [Locale::En, Locale::ZhCn] {
            let out = tempfile::tempdir().unwrap();
            let mailer = match &mailer {
                Mailer::Files(_) => Mailer::Files(out.path().to_path_buf()),
                other => other.clone(),
            };
            mailer
                .send(
                    "Butterfly <no-reply@butterfly.localhost>",
                    &email(locale, link),
                    "<outbox.1.1@butterfly.localhost>",
                )
                .unwrap();
            let files = sent_files(out.path());
            assert_eq!(files.len(), 1);
            assert_eq!(files[0].extension().unwrap(), "eml");
            let raw = std::fs::read(&files[0]).unwrap();
            let text = String::from_utf8(raw.clone()).unwrap();
            assert!(text.contains("To: ann@example.com"));
            assert!(
                text.contains("Message-ID: <outbox.1.1@butterfly.localhost>"),
                "{text}"
            );
            assert!(text.contains("multipart/alternative"));
            assert!(text.contains("text/html"));
            // The link stands on a line of its own, readable in the raw file.
            assert!(text.lines().any(|l| l == link), "{text}");
            let plain = read_text_part(&raw).unwrap();
            assert!(plain.lines().any(|l| l == link));
            assert!(!plain.contains("<p>"));
        }
    }

    #[test]
    fn smtp_messages_are_7bit_safe_and_read_back() {
        let link = "http://localhost:8080/reset-password?token=Zm9vYmFyYmF6cXV4LXF1dXgtY29yZ2UtZ3JhdWx0LWdhcnBseQ";
        for locale in [Locale::En, Locale::ZhCn] {
            let message = build_message(
                "no-reply@example.com",
                &email(locale, link),
                "<m@example.com>",
                false,
            )
            .unwrap()
            .formatted();
            assert!(message.is_ascii());
            let plain = read_text_part(&message).unwrap();
            assert!(plain.lines().any(|l| l == link), "{plain}");
            if locale == Locale::ZhCn {
                assert!(plain.contains("您好"));
            }
        }
    }

    #[test]
    fn a_bad_recipient_is_a_permanent_error() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::from_settings(&settings(dir.path(), None)).unwrap();
        let mut e = email(Locale::En, "http://x/");
        e.to = "nobody".into();
        let err = mailer
            .send("no-reply@example.com", &e, "<m@example.com>")
            .unwrap_err();
        assert!(err.is_permanent());
        assert!(!err.to_string().contains("nobody"));
    }

    #[test]
    fn quoted_printable_decodes_soft_breaks_and_escapes() {
        assert_eq!(
            decode_quoted_printable("token=3Dab=\r\ncd caf=C3=A9 =ZZ"),
            "token=abcd café =ZZ".as_bytes()
        );
    }
}
