//! Small text newtypes of the routing model: object names (ids), digit strings and phone
//! numbers. Each checks its syntax when built, so the rest of the model can trust it.

use std::borrow::Borrow;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::RoutingError;

/// Declares an object-name newtype. Names are shared (`Arc<str>`) because decisions and
/// traces copy them often.
macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// 1–64 characters: ASCII letters, digits, `-`, `_` and `.`, starting with a letter
        /// or digit, so it can appear in an API path as it is.
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(Arc<str>);

        impl $name {
            /// Checks and wraps a name given by the admin.
            pub fn new(name: impl Into<String>) -> Result<Self, RoutingError> {
                let name = name.into();
                check_name(&name)?;
                Ok(Self(name.into()))
            }

            /// The name as text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = RoutingError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = RoutingError;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl From<$name> for String {
            fn from(n: $name) -> Self {
                n.0.to_string()
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), &*self.0)
            }
        }
    };
}

name_type!(
    /// The name of a SIP trunk; dial rules and inbound routes refer to trunks by it.
    TrunkId
);
name_type!(
    /// The name of an outbound, inbound or direct route, shown in traces and CDRs.
    RouteName
);
name_type!(
    /// The name of a time condition (a "time rule" in the DUC guide).
    TimeConditionId
);
name_type!(
    /// The name of a PIN set.
    PinSetId
);
name_type!(
    /// The name of a dial permission (DUC default: "DialPlan1").
    PermissionId
);
name_type!(
    /// The name of a whitelist.
    WhitelistId
);
name_type!(
    /// The name of a voice prompt in the audio library, as played by IVR menus.
    PromptName
);

/// A possibly empty string of dialable symbols `0-9 * # +`, at most 32 long: dial prefixes
/// and digits prepended to a number.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Digits(String);

impl Digits {
    /// Most symbols a digit string may have.
    pub const MAX_LEN: usize = 32;

    /// Checks and wraps a digit string.
    pub fn new(digits: impl Into<String>) -> Result<Self, RoutingError> {
        let digits = digits.into();
        if digits.len() > Self::MAX_LEN {
            return Err(RoutingError::InvalidDigits {
                reason: "must be at most 32 symbols",
            });
        }
        if !digits.bytes().all(is_dial_symbol) {
            return Err(RoutingError::InvalidDigits {
                reason: "may contain only 0-9, *, # and +",
            });
        }
        Ok(Self(digits))
    }

    /// The symbols as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether there are no symbols.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for Digits {
    type Err = RoutingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for Digits {
    type Error = RoutingError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl From<Digits> for String {
    fn from(d: Digits) -> Self {
        d.0
    }
}

impl fmt::Display for Digits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Digits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digits({})", self.0)
    }
}

/// A telephone number as presented or dialled: an optional leading `+`, then 1–32 digits.
/// Used for caller IDs and emergency numbers.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Most digits a phone number may have.
    pub const MAX_DIGITS: usize = 32;

    /// Checks and wraps a number.
    pub fn new(number: impl Into<String>) -> Result<Self, RoutingError> {
        let number = number.into();
        let digits = number.strip_prefix('+').unwrap_or(&number);
        if digits.is_empty() {
            return Err(RoutingError::InvalidPhoneNumber {
                reason: "must contain at least one digit",
            });
        }
        if digits.len() > Self::MAX_DIGITS {
            return Err(RoutingError::InvalidPhoneNumber {
                reason: "must have at most 32 digits",
            });
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RoutingError::InvalidPhoneNumber {
                reason: "may contain only digits after an optional leading +",
            });
        }
        Ok(Self(number))
    }

    /// The number as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for PhoneNumber {
    type Err = RoutingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = RoutingError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl From<PhoneNumber> for String {
    fn from(n: PhoneNumber) -> Self {
        n.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.0)
    }
}

/// Whether `b` is a symbol a phone can dial (`0-9 * # +`).
pub(crate) fn is_dial_symbol(b: u8) -> bool {
    b.is_ascii_digit() || matches!(b, b'*' | b'#' | b'+')
}

/// The object-name syntax shared by every id type.
fn check_name(name: &str) -> Result<(), RoutingError> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(RoutingError::InvalidName {
            reason: "must be 1 to 64 characters",
        });
    }
    if !name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric())
    {
        return Err(RoutingError::InvalidName {
            reason: "must start with a letter or digit",
        });
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(RoutingError::InvalidName {
            reason: "may contain only letters, digits, '-', '_' and '.'",
        });
    }
    Ok(())
}

/// Longest object name, in bytes (names are ASCII).
const MAX_NAME_LEN: usize = 64;
