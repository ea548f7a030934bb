//! Email templates: the seven account emails (verification, password reset, registration
//! attempt, password changed, sign-in attempts, two-factor authentication turned on and off),
//! the reply notification and the two trial
//! emails (an answer to a coordinator's notice, the daily alert digest), in English and
//! Simplified Chinese, each rendered as a subject, a plain-text part and an HTML part.
//!
//! The link is written verbatim on a line of its own in the text part, so a reader (or a test)
//! can copy it. In the HTML part every value that comes from outside the template is escaped.

use serde::{Deserialize, Serialize};

use crate::auth::model::Locale;

/// An email to send.
#[derive(Clone, Debug, PartialEq)]
pub struct Email {
    pub to: String,
    pub locale: Locale,
    pub template: Template,
    pub vars: MailVars,
}

crate::db::text_enum! {
    /// Which email to send (stored in the `outbox.template` column).
    pub enum Template {
        /// "Please confirm your email", with the verification link (valid 48 hours).
        VerifyEmail = "verify_email",
        /// "Reset your password", with the reset link (valid 30 minutes).
        ResetPassword = "reset_password",
        /// "Someone tried to register with your address", with a link to the reset page.
        RegistrationAttempt = "registration_attempt",
        /// "Your password was changed", with a link to reset it if that was not the member.
        PasswordChanged = "password_changed",
        /// "There are new replies in your thread", with a link to the thread (never the post
        /// text: health stories stay on Butterfly).
        ReplyNotification = "reply_notification",
        /// To a trial coordinator: "members answered your trial notice", with a link to the
        /// answers (never who they are or what they wrote).
        TrialInterest = "trial_interest",
        /// To a member: "new trial notices match your saved searches", with a link to them;
        /// one a day at most, so it is a digest of every match since the last one (never the
        /// notices' titles: an inbox should not reveal a diagnosis).
        TrialAlert = "trial_alert",
        /// To a member who asked for it: "there is news about a trial notice you answered or
        /// follow" (her answer's status, the trial's recruitment), with a link to the notice,
        /// never its title.
        TrialUpdate = "trial_update",
        /// "Someone is trying to sign in to your account": wrong passwords keep coming for
        /// it; with a link to the reset page. One per account per throttling window at most.
        SignInAttempts = "sign_in_attempts",
        /// "Two-factor authentication was turned on", with a link to the reset page if that
        /// was not the member.
        TwoFactorEnabled = "two_factor_enabled",
        /// "Two-factor authentication was turned off", with a link to the reset page if that
        /// was not the member.
        TwoFactorDisabled = "two_factor_disabled",
        /// The daily or weekly digest a member chose: "there is new activity where you
        /// follow", with a link to her notifications (never titles or text: an inbox should
        /// not reveal a diagnosis). One per period at most.
        ActivityDigest = "activity_digest",
        /// "You have a new private message", with a link to the conversation (never the
        /// message or who wrote it: health talk stays on Butterfly). One per conversation until
        /// the member reads it.
        NewMessage = "new_message",
    }
}

/// The values a template is filled with; stored as the outbox payload (JSON).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MailVars {
    /// The recipient's display name, used in the greeting.
    pub display_name: String,
    /// The link the email is about (verification, reset page…).
    pub link: Option<String>,
}

/// A rendered email, ready to be put into a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The fixed wording of one template in one language.
struct Wording {
    subject: &'static str,
    /// Paragraphs before the link; the last one introduces it.
    before: &'static [&'static str],
    /// Paragraphs after the link.
    after: &'static [&'static str],
}

fn wording(template: Template, locale: Locale) -> Wording {
    match (template, locale) {
        (Template::VerifyEmail, Locale::En) => Wording {
            subject: "Please confirm your email for Butterfly",
            before: &[
                "Welcome to Butterfly, a community for people living with lupus and the people \
                 who care for them. We are glad you are here.",
                "To finish signing up, please confirm your email address by opening this link:",
            ],
            after: &[
                "The link is valid for 48 hours. If you did not sign up for Butterfly, you can \
                 simply ignore this email.",
            ],
        },
        (Template::VerifyEmail, Locale::ZhCn) => Wording {
            subject: "请确认您在 Butterfly 的邮箱地址",
            before: &[
                "欢迎来到 Butterfly，这是一个属于狼疮患者和照护者的社区。很高兴您加入我们。",
                "请打开下面的链接，确认您的邮箱地址，完成注册：",
            ],
            after: &["该链接在 48 小时内有效。如果您没有注册 Butterfly，请忽略这封邮件。"],
        },
        (Template::ResetPassword, Locale::En) => Wording {
            subject: "Reset your Butterfly password",
            before: &[
                "We received a request to reset the password of your Butterfly account. To \
                 choose a new password, open this link:",
            ],
            after: &[
                "The link is valid for 30 minutes and works only once. If you did not ask for \
                 this, please ignore this email: your password stays as it is.",
            ],
        },
        (Template::ResetPassword, Locale::ZhCn) => Wording {
            subject: "重置您的 Butterfly 密码",
            before: &["我们收到了重置您 Butterfly 账户密码的请求。请打开下面的链接设置新密码："],
            after: &[
                "该链接在 30 分钟内有效，且只能使用一次。如果这不是您本人的请求，请忽略这封邮件，您的密码不会改变。",
            ],
        },
        (Template::RegistrationAttempt, Locale::En) => Wording {
            subject: "Someone tried to register on Butterfly with your email",
            before: &[
                "Someone tried to register a new Butterfly account with your email address. You \
                 already have an account with us, so nothing new was created.",
                "If it was you, you can simply log in. If you have forgotten your password, you \
                 can reset it here:",
            ],
            after: &[
                "If it was not you, you can ignore this email. Your account has not been changed.",
            ],
        },
        (Template::RegistrationAttempt, Locale::ZhCn) => Wording {
            subject: "有人尝试用您的邮箱注册 Butterfly",
            before: &[
                "有人尝试使用您的邮箱地址注册新的 Butterfly 账户。您已经有账户了，所以我们没有创建新账户。",
                "如果是您本人，直接登录即可；如果忘记了密码，可以在这里重置：",
            ],
            after: &["如果不是您本人，请忽略这封邮件，您的账户没有任何改动。"],
        },
        (Template::TwoFactorEnabled, Locale::En) => Wording {
            subject: "Two-factor authentication is on for your Butterfly account",
            before: &[
                "Two-factor authentication was just turned on for your Butterfly account: from \
                 now on, signing in asks for a code from your authenticator app. Keep your \
                 recovery codes somewhere safe.",
                "If this was not you, please reset your password now to keep your account safe:",
            ],
            after: &[],
        },
        (Template::TwoFactorEnabled, Locale::ZhCn) => Wording {
            subject: "您的 Butterfly 账户已开启两步验证",
            before: &[
                "您的 Butterfly 账户刚刚开启了两步验证：今后登录时需要输入身份验证器应用中的验证码。请妥善保管您的恢复码。",
                "如果不是您本人操作，请立即通过下面的链接重置密码，保护您的账户：",
            ],
            after: &[],
        },
        (Template::TwoFactorDisabled, Locale::En) => Wording {
            subject: "Two-factor authentication is off for your Butterfly account",
            before: &[
                "Two-factor authentication was just turned off for your Butterfly account: \
                 signing in now asks for your password only, and your recovery codes no longer \
                 work.",
                "If this was not you, please reset your password now to keep your account safe:",
            ],
            after: &[],
        },
        (Template::TwoFactorDisabled, Locale::ZhCn) => Wording {
            subject: "您的 Butterfly 账户已关闭两步验证",
            before: &[
                "您的 Butterfly 账户刚刚关闭了两步验证：现在登录只需要密码，原有的恢复码也已失效。",
                "如果不是您本人操作，请立即通过下面的链接重置密码，保护您的账户：",
            ],
            after: &[],
        },
        (Template::ActivityDigest, Locale::En) => Wording {
            subject: "New activity where you follow on Butterfly",
            before: &[
                "Since your last digest there are new posts in threads and boards you follow, or \
                 replies and mentions for you. See them here:",
            ],
            after: &[
                "You chose this digest (daily or weekly) in your settings, where you can change it \
                 or turn it off. It never says what was written, to keep your inbox private.",
            ],
        },
        (Template::ActivityDigest, Locale::ZhCn) => Wording {
            subject: "您在 Butterfly 关注的内容有新动态",
            before: &[
                "自上次摘要以来，您关注的话题和版块有新的帖子，或有人回复、提到了您。点击下面的链接查看：",
            ],
            after: &[
                "这是您在设置中选择的摘要邮件（每日或每周），您可以在设置中修改或关闭。为保护您的隐私，邮件中不会包含帖子内容。",
            ],
        },
        (Template::PasswordChanged, Locale::En) => Wording {
            subject: "Your Butterfly password was changed",
            before: &[
                "The password of your Butterfly account was just changed. If you did this, there \
                 is nothing more to do.",
                "If this was not you, please reset your password now to keep your account safe:",
            ],
            after: &[],
        },
        (Template::PasswordChanged, Locale::ZhCn) => Wording {
            subject: "您的 Butterfly 密码已更改",
            before: &[
                "您 Butterfly 账户的密码刚刚被更改。如果是您本人操作，无需再做任何事。",
                "如果不是您本人，请立即通过下面的链接重置密码，保护您的账户：",
            ],
            after: &[],
        },
        (Template::ReplyNotification, Locale::En) => Wording {
            subject: "New replies on Butterfly",
            before: &["Someone replied to you on Butterfly. Open the conversation here:"],
            after: &[
                "You get at most one of these emails per thread per hour. You can turn them off \
                 in your profile settings.",
            ],
        },
        (Template::ReplyNotification, Locale::ZhCn) => Wording {
            subject: "Butterfly 上有新的回复",
            before: &["有人在 Butterfly 上回复了您。点击下面的链接查看："],
            after: &["每个话题每小时最多发送一封此类邮件。您可以在个人设置中关闭邮件提醒。"],
        },
        (Template::TrialInterest, Locale::En) => Wording {
            subject: "A member answered your trial notice on Butterfly",
            before: &[
                "A member of Butterfly is interested in one of your clinical-trial notices and \
                 agreed to share their contact details with you. See who answered, and what they \
                 chose to share, here:",
            ],
            after: &[
                "Please treat these details as confidential and use them only to talk about this \
                 trial. You get at most one of these emails per notice per hour.",
            ],
        },
        (Template::TrialInterest, Locale::ZhCn) => Wording {
            subject: "有会员回应了您在 Butterfly 发布的临床试验招募信息",
            before: &[
                "一位 Butterfly 会员对您发布的临床试验招募信息感兴趣，并同意与您分享联系方式。请在这里查看回应和对方选择分享的信息：",
            ],
            after: &[
                "请对这些信息保密，只用于沟通本试验相关事宜。每则招募信息每小时最多发送一封此类邮件。",
            ],
        },
        (Template::TrialAlert, Locale::En) => Wording {
            subject: "New clinical-trial notices match your saved searches on Butterfly",
            before: &[
                "New clinical-trial recruitment notices match one or more of your saved searches. \
                 See them here:",
            ],
            after: &[
                "Clinical trials are research, not established treatment; whether you can take \
                 part is decided by the trial's physicians. Please talk to your own doctor before \
                 deciding anything.",
                "You get at most one of these emails a day. You can change or delete your saved \
                 searches at any time.",
            ],
        },
        (Template::TrialAlert, Locale::ZhCn) => Wording {
            subject: "Butterfly 上有新的临床试验招募信息符合您保存的搜索",
            before: &["有新的临床试验招募信息符合您保存的一个或多个搜索条件。请在这里查看："],
            after: &[
                "临床试验是科学研究，不是已被证实的常规治疗；您能否参加由试验医生判断。做任何决定之前，请先咨询您自己的医生。",
                "此类邮件每天最多发送一封。您可以随时修改或删除保存的搜索。",
            ],
        },
        (Template::TrialUpdate, Locale::En) => Wording {
            subject: "News about a clinical trial you follow on Butterfly",
            before: &[
                "There is news about a clinical-trial notice you answered or follow on Butterfly: \
                 the status of your answer, or the trial's recruitment. See it here:",
            ],
            after: &[
                "Trials are research, not proven treatment; only the trial team decides who can \
                 take part. You asked for these emails; you can stop them on the notice.",
            ],
        },
        (Template::TrialUpdate, Locale::ZhCn) => Wording {
            subject: "您在 Butterfly 关注的临床试验有新消息",
            before: &[
                "您在 Butterfly 上回应或关注的临床试验招募信息有新消息：您的回应状态或试验的招募状态有变化。请在这里查看：",
            ],
            after: &[
                "临床试验是科学研究，不是已被证实的常规治疗；能否参加由试验团队决定。此类邮件是您自己选择接收的，您可以在招募信息页面关闭。",
            ],
        },
        (Template::NewMessage, Locale::En) => Wording {
            subject: "You have a new private message on Butterfly",
            before: &["You have a new private message on Butterfly. Read it here:"],
            after: &[
                "You get one of these emails per conversation until you read it. You can turn \
                 them off in your message settings.",
            ],
        },
        (Template::NewMessage, Locale::ZhCn) => Wording {
            subject: "您在 Butterfly 上有一条新私信",
            before: &["您在 Butterfly 上有一条新私信。点击下面的链接查看："],
            after: &["每个对话在您阅读之前最多发送一封此类邮件。您可以在私信设置中关闭邮件提醒。"],
        },
        (Template::SignInAttempts, Locale::En) => Wording {
            subject: "Someone is trying to sign in to your Butterfly account",
            before: &[
                "Someone has just entered a wrong password for your Butterfly account several \
                 times. We have paused the attempts from where they came from; you can still \
                 sign in as usual from your own device.",
                "If it was you and you have forgotten your password, you can choose a new one \
                 here:",
            ],
            after: &[
                "If it was not you, your account stays safe as long as your password does: a \
                 long passphrase that you use nowhere else is best. We will not send this \
                 warning again for a while.",
            ],
        },
        (Template::SignInAttempts, Locale::ZhCn) => Wording {
            subject: "有人正在尝试登录您的 Butterfly 账户",
            before: &[
                "刚刚有人多次使用错误的密码尝试登录您的 Butterfly 账户。我们已暂停来自该来源的登录尝试，您仍然可以在自己的设备上正常登录。",
                "如果是您本人且忘记了密码，可以在这里设置新密码：",
            ],
            after: &[
                "如果不是您本人，只要密码足够安全，您的账户就是安全的：最好使用一个较长、且没有在其他地方用过的密码。此类提醒在一段时间内只会发送一次。",
            ],
        },
    }
}

fn greeting(locale: Locale, name: &str) -> String {
    let name = name.trim();
    match (locale, name.is_empty()) {
        (Locale::En, true) => "Hello,".to_owned(),
        (Locale::En, false) => format!("Hello {name},"),
        (Locale::ZhCn, true) => "您好：".to_owned(),
        (Locale::ZhCn, false) => format!("{name}，您好："),
    }
}

fn sign_off(locale: Locale) -> [&'static str; 2] {
    match locale {
        Locale::En => ["Take care,", "The Butterfly team"],
        Locale::ZhCn => ["祝您安好，", "Butterfly 团队"],
    }
}

/// Renders one email. Every template expects a link; without one the link line is left out.
pub fn render(template: Template, locale: Locale, vars: &MailVars) -> Rendered {
    let wording = wording(template, locale);
    let hello = greeting(locale, &vars.display_name);
    let [bye, team] = sign_off(locale);
    let link = vars
        .link
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());

    let mut text = vec![hello.clone()];
    text.extend(wording.before.iter().map(|p| (*p).to_owned()));
    text.extend(link.map(str::to_owned));
    text.extend(wording.after.iter().map(|p| (*p).to_owned()));
    text.push(format!("{bye}\n{team}"));
    let mut text = text.join("\n\n");
    text.push('\n');

    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body style=\"font-family: sans-serif; line-height: 1.5; color: #222222;\">\n<p>{hello}</p>\n",
        lang = locale.as_str(),
        title = escape(wording.subject),
        hello = escape(&hello),
    );
    for paragraph in wording.before {
        html.push_str(&format!("<p>{}</p>\n", escape(paragraph)));
    }
    if let Some(link) = link {
        let link = escape(link);
        html.push_str(&format!("<p><a href=\"{link}\">{link}</a></p>\n"));
    }
    for paragraph in wording.after {
        html.push_str(&format!("<p>{}</p>\n", escape(paragraph)));
    }
    html.push_str(&format!(
        "<p>{}<br>{}</p>\n</body>\n</html>\n",
        escape(bye),
        escape(team)
    ));

    Rendered {
        subject: wording.subject.to_owned(),
        text,
        html,
    }
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = "http://localhost:8080/verify-email?token=abc_DEF-123";

    fn vars(name: &str) -> MailVars {
        MailVars {
            display_name: name.into(),
            link: Some(LINK.into()),
        }
    }

    #[test]
    fn every_template_in_every_language_has_a_subject_and_the_link() {
        for &template in Template::ALL {
            for locale in [Locale::En, Locale::ZhCn] {
                let r = render(template, locale, &vars("lin_mei"));
                assert!(!r.subject.is_empty(), "{template:?} {locale:?}");
                assert!(r.subject.contains("Butterfly"), "{template:?} {locale:?}");
                assert!(
                    r.text.lines().any(|line| line == LINK),
                    "the link is on a line of its own: {template:?} {locale:?}"
                );
                assert!(r.text.contains("lin_mei"));
                let escaped_link = LINK.replace('&', "&amp;");
                assert!(r.html.contains(&format!("href=\"{escaped_link}\"")));
                assert!(r.html.contains("Butterfly"));
            }
        }
    }

    #[test]
    fn the_chinese_emails_are_in_chinese_and_the_english_ones_in_english() {
        let zh = render(Template::ResetPassword, Locale::ZhCn, &vars("小蝶"));
        assert!(zh.text.contains("30 分钟"));
        assert!(zh.text.starts_with("小蝶，您好："));
        let en = render(Template::ResetPassword, Locale::En, &vars("Ann"));
        assert!(en.text.contains("30 minutes"));
        assert!(en.text.contains("ignore this email"));
        let verify = render(Template::VerifyEmail, Locale::En, &vars("Ann"));
        assert!(verify.text.contains("48 hours"));
    }

    #[test]
    fn html_escapes_the_display_name_and_the_link() {
        let vars = MailVars {
            display_name: "<script>alert('x')</script>".into(),
            link: Some("http://x/?a=1&b=\"2\"><script>".into()),
        };
        let r = render(Template::VerifyEmail, Locale::En, &vars);
        assert!(!r.html.contains("<script>"));
        assert!(
            r.html
                .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
        );
        assert!(
            r.html
                .contains("href=\"http://x/?a=1&amp;b=&quot;2&quot;&gt;&lt;script&gt;\"")
        );
        // The text part is not HTML: it keeps the name as written.
        assert!(r.text.contains("<script>alert('x')</script>"));
    }

    #[test]
    fn a_missing_link_leaves_no_empty_line_behind() {
        let vars = MailVars {
            display_name: String::new(),
            link: None,
        };
        let r = render(Template::PasswordChanged, Locale::En, &vars);
        assert!(r.text.starts_with("Hello,"));
        assert!(!r.text.contains("\n\n\n"));
        assert!(!r.html.contains("<a "));
    }

    #[test]
    fn template_names_round_trip() {
        for &template in Template::ALL {
            assert_eq!(Template::parse(template.as_str()), Some(template));
        }
        assert_eq!(Template::parse("verify_email"), Some(Template::VerifyEmail));
        assert_eq!(Template::parse("VerifyEmail"), None);
        assert_eq!(Template::parse(""), None);
    }

    #[test]
    fn mail_vars_round_trip_through_json() {
        let v = vars("Ann");
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<MailVars>(&json).unwrap(), v);
    }
}
