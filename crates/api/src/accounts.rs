//! Rules for login accounts: which user names and passwords are acceptable.
//!
//! A password must be 10–128 characters, use at least three of lower case, upper case,
//! digits and other characters, not contain the user name, and not be a well-known
//! password. A refusal is a 400 naming the field the password came in.

use crate::error::ApiError;

/// Shortest acceptable password.
pub(crate) const MIN_PASSWORD_LEN: usize = 10;
/// Longest acceptable password (argon2 is fine with more; this bounds the work per login).
const MAX_PASSWORD_LEN: usize = 128;

/// Refuse a weak `password` for account `username`; `field` names the JSON field it came in.
pub(crate) fn check_password_strength(
    field: &str,
    password: &str,
    username: &str,
) -> Result<(), ApiError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(ApiError::bad_field(
            field,
            format!("{field} is too weak: it must be at least {MIN_PASSWORD_LEN} characters long"),
        ));
    }
    if len > MAX_PASSWORD_LEN {
        return Err(ApiError::bad_field(
            field,
            format!("{field} must be at most {MAX_PASSWORD_LEN} characters long"),
        ));
    }
    if password.chars().any(char::is_control) {
        return Err(ApiError::bad_field(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if classes < 3 {
        return Err(ApiError::bad_field(
            field,
            format!(
                "{field} is too weak: use at least three of lower case, upper case, digits \
                 and other characters"
            ),
        ));
    }
    let lower = password.to_lowercase();
    if username.chars().count() >= 3 && lower.contains(&username.to_lowercase()) {
        return Err(ApiError::bad_field(
            field,
            format!("{field} is too weak: it must not contain the user name"),
        ));
    }
    let core: String = lower.chars().filter(|c| c.is_alphabetic()).collect();
    if COMMON.iter().any(|w| core == *w) {
        return Err(ApiError::bad_field(
            field,
            format!("{field} is too weak: it is a well-known password"),
        ));
    }
    Ok(())
}

/// Refuse a user name that is empty, too long or has characters other than letters,
/// digits and `. _ @ -`.
pub(crate) fn check_username(username: &str) -> Result<(), ApiError> {
    let ok = !username.is_empty()
        && username.len() <= 64
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'@' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_field(
            "username",
            "username must be 1-64 characters: letters, digits, . _ @ -",
        ))
    }
}

/// Passwords (letters only, lower case) that dictionary attacks try first.
const COMMON: &[&str] = &[
    "password",
    "passw",
    "qwerty",
    "qwertz",
    "letmein",
    "welcome",
    "admin",
    "administrator",
    "iloveyou",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "sunshine",
    "princess",
    "abc",
    "abcdef",
    "asdfgh",
    "secret",
    "changeme",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(r: Result<(), ApiError>) -> Option<String> {
        match r {
            Err(ApiError::BadRequest { field, .. }) => field,
            _ => None,
        }
    }

    #[test]
    fn weak_passwords_are_refused_naming_the_field() {
        for weak in [
            "short1A!",
            "alllowercaseletters",
            "ALLUPPER123456",
            "Password123!",
            "bob-Bob-12345",
        ] {
            assert_eq!(
                field_of(check_password_strength("new_password", weak, "bob")).as_deref(),
                Some("new_password"),
                "{weak}"
            );
        }
        assert!(check_password_strength("password", "Tr1cky-Horse", "bob").is_ok());
    }

    #[test]
    fn usernames() {
        assert!(check_username("alice.b@x-y_z").is_ok());
        assert!(check_username("").is_err());
        assert!(check_username("a b").is_err());
        assert!(check_username("<script>").is_err());
    }
}
