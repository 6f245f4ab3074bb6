//! API tokens: parsing token files and finding a presented secret in constant time.

use subtle::ConstantTimeEq;

use super::Scope;

/// Shortest accepted secret: guessing must be hopeless.
pub const MIN_SECRET: usize = 16;

/// One API token.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    /// Who holds it, for logs and messages.
    pub name: String,
    /// What it allows.
    pub scopes: Vec<Scope>,
    secret: Vec<u8>,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("name", &self.name)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl Token {
    /// Whether the token allows `scope`: `admin` allows everything, and every token may
    /// read (a CI token that publishes follows its build with reads).
    pub fn allows(&self, scope: Scope) -> bool {
        scope == Scope::Read || self.scopes.contains(&scope) || self.scopes.contains(&Scope::Admin)
    }
}

/// A malformed token file; names the source and line, never a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}: {message}")]
pub struct TokenFileError {
    /// The file or environment variable.
    pub origin: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The tokens the server accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenSet {
    tokens: Vec<Token>,
}

impl TokenSet {
    /// Parses `NAME SCOPES SECRET` lines (entries may also be separated by `;`, for an
    /// environment variable). `origin` names the source in errors.
    pub fn parse(text: &str, origin: &str) -> Result<TokenSet, TokenFileError> {
        let mut set = TokenSet::default();
        set.add(text, origin)?;
        Ok(set)
    }

    /// Adds the tokens of another source.
    pub fn add(&mut self, text: &str, origin: &str) -> Result<(), TokenFileError> {
        for (index, raw) in text.lines().enumerate() {
            for entry in raw.split(';') {
                let entry = entry.split('#').next().unwrap_or_default().trim();
                if entry.is_empty() {
                    continue;
                }
                let fail = |message: String| TokenFileError {
                    origin: origin.to_string(),
                    line: index + 1,
                    message,
                };
                let fields: Vec<&str> = entry.split_whitespace().collect();
                let [name, scopes, secret] = fields.as_slice() else {
                    return Err(fail(format!(
                        "expected `NAME SCOPES SECRET`, found {} field(s)",
                        fields.len()
                    )));
                };
                crate::validate::name("token name", name).map_err(|e| fail(e.to_string()))?;
                let scopes = scopes
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<Vec<Scope>, String>>()
                    .map_err(|e| fail(format!("token `{name}`: {e}")))?;
                if secret.len() < MIN_SECRET {
                    return Err(fail(format!(
                        "token `{name}`: the secret is shorter than {MIN_SECRET} characters"
                    )));
                }
                if self.tokens.iter().any(|t| t.name == *name) {
                    return Err(fail(format!("token `{name}` is declared twice")));
                }
                if self.find(secret).is_some() {
                    return Err(fail(format!(
                        "token `{name}` has the same secret as another token"
                    )));
                }
                self.tokens.push(Token {
                    name: name.to_string(),
                    scopes,
                    secret: secret.as_bytes().to_vec(),
                });
            }
        }
        Ok(())
    }

    /// Whether no token is configured.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// The token whose secret is `presented`. Every token is compared, each in constant
    /// time, so the time taken tells nothing about which token or how much of it matched.
    pub fn find(&self, presented: &str) -> Option<&Token> {
        let presented = presented.as_bytes();
        let mut found = None;
        for token in &self.tokens {
            if bool::from(token.secret.as_slice().ct_eq(presented)) {
                found = Some(token);
            }
        }
        found
    }
}
