//! Commands people give sluice in a pull request comment on GitHub: `/sluice refresh`
//! (rebuild the update on the current target) and `/sluice merge` (merge now, as a
//! person, whatever the merge policies say). A command counts only in a newly created
//! comment on a pull request, by a user (not a bot) with write access to the repository.
//! The server fetches the permission; these functions decide.

use serde_json::Value;

/// A command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Rebuild the update on the current target.
    Refresh,
    /// Merge now, as a person.
    Merge,
}

/// A command found in an `issue_comment` delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentCommand {
    /// `OWNER/NAME` of the repository.
    pub full_name: String,
    /// The pull request's number.
    pub number: u64,
    /// Who commented.
    pub login: String,
    /// What they asked.
    pub command: Command,
}

/// The command of a comment: its first line that starts with `/sluice`, which must be
/// exactly `/sluice refresh` or `/sluice merge` (surrounding spaces aside). Anything
/// else (an unknown word, extra words) is no command.
pub fn parse(body: &str) -> Option<Command> {
    let line = body.lines().map(str::trim).find(|l| {
        l.strip_prefix("/sluice")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
    })?;
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["/sluice", "refresh"] => Some(Command::Refresh),
        ["/sluice", "merge"] => Some(Command::Merge),
        _ => None,
    }
}

/// Whether a collaborator `permission` (GitHub's `admin`, `maintain`, `write`, `triage`,
/// `read` or `none`) may give commands: write access or more.
pub fn may_command(permission: &str) -> bool {
    matches!(permission, "admin" | "maintain" | "write")
}

/// The command an `issue_comment` delivery carries: a `created` comment on a pull
/// request, by a user that is not a bot, whose body holds a command.
pub fn command_of(event: &str, payload: &Value) -> Option<CommentCommand> {
    let text = |pointer: &str| payload.pointer(pointer).and_then(Value::as_str);
    if event != "issue_comment" || text("/action") != Some("created") {
        return None;
    }
    payload.pointer("/issue/pull_request")?;
    if text("/comment/user/type") == Some("Bot") || text("/sender/type") == Some("Bot") {
        return None;
    }
    Some(CommentCommand {
        full_name: text("/repository/full_name")?.to_string(),
        number: payload.pointer("/issue/number").and_then(Value::as_u64)?,
        login: text("/comment/user/login")?.to_string(),
        command: parse(text("/comment/body")?)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn commands_are_parsed_from_a_line_of_their_own() {
        use Command::*;
        let table = [
            ("/sluice refresh", Some(Refresh)),
            ("/sluice merge", Some(Merge)),
            ("  /sluice   merge  ", Some(Merge)),
            ("Looks fine.\n/sluice merge\nthanks", Some(Merge)),
            ("/sluice merge\r\n", Some(Merge)),
            ("/sluice", None),
            ("/sluice rebase", None),
            ("/sluice merge now", None),
            ("/sluicemerge", None),
            ("/SLUICE merge", None),
            ("please /sluice merge", None),
            ("`/sluice merge`", None),
            ("", None),
            // The first /sluice line decides.
            ("/sluice nope\n/sluice merge", None),
        ];
        for (body, want) in table {
            assert_eq!(parse(body), want, "{body:?}");
        }
    }

    #[test]
    fn write_access_or_more_may_command() {
        for (permission, may) in [
            ("admin", true),
            ("maintain", true),
            ("write", true),
            ("triage", false),
            ("read", false),
            ("none", false),
            ("", false),
            ("Write", false),
        ] {
            assert_eq!(may_command(permission), may, "{permission}");
        }
    }

    #[test]
    fn only_new_comments_on_pull_requests_by_people_carry_commands() {
        let delivery = |action: &str, pr: bool, user_type: &str, body: &str| {
            let mut issue = json!({"number": 7});
            if pr {
                issue["pull_request"] = json!({"url": "x"});
            }
            json!({
                "action": action,
                "issue": issue,
                "comment": {"body": body, "user": {"login": "octocat", "type": user_type}},
                "sender": {"login": "octocat", "type": user_type},
                "repository": {"full_name": "contoso/sdk"},
            })
        };
        let merge = CommentCommand {
            full_name: "contoso/sdk".into(),
            number: 7,
            login: "octocat".into(),
            command: Command::Merge,
        };
        let table = [
            (
                "issue_comment",
                delivery("created", true, "User", "/sluice merge"),
                Some(merge),
            ),
            (
                "issue_comment",
                delivery("edited", true, "User", "/sluice merge"),
                None,
            ),
            (
                "issue_comment",
                delivery("created", false, "User", "/sluice merge"),
                None,
            ),
            (
                "issue_comment",
                delivery("created", true, "Bot", "/sluice merge"),
                None,
            ),
            (
                "issue_comment",
                delivery("created", true, "User", "merge please"),
                None,
            ),
            (
                "pull_request_review_comment",
                delivery("created", true, "User", "/sluice merge"),
                None,
            ),
        ];
        for (event, payload, want) in table {
            assert_eq!(command_of(event, &payload), want, "{event} {payload}");
        }
    }
}
