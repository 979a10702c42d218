//! `open_enum!`: string enums that never reject a value.
//!
//! Camunda adds enum values between minor versions (operation kinds, states) and the REST API
//! spells roles in lowercase where the management API uses uppercase. A client that rejects an
//! unknown word would lose a whole topology over one new value, so every enum here keeps the
//! words it does not know in `Other` and matches known words without regard to case.

/// Declares an open string enum: known variants with their canonical wire spelling, plus
/// `Other(String)` for anything else. Serializes back to the canonical (or original) word.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $wire:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of c8dr does not know, kept as it was sent.
            Other(String),
        }

        impl $name {
            /// The words this version knows, as they go on the wire.
            pub const KNOWN: &'static [&'static str] = &[$($wire),+];

            /// The word as it goes on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Other(s) => s.as_str(),
                }
            }

            /// Parses a word, ignoring case; unknown words become `Other`.
            pub fn parse(s: &str) -> Self {
                $( if s.eq_ignore_ascii_case($wire) { return Self::$variant; } )+
                Self::Other(s.to_string())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok(Self::parse(&s))
            }
        }
    };
}

pub(crate) use open_enum;
