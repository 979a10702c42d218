//! Broker ids as the APIs send them.
//!
//! Ids are JSON numbers in responses, but request bodies of `POST /actuator/cluster/brokers`
//! are documented with strings (`["0","2"]`) and with numbers (`[0,1]`); the server accepts
//! both, so this type does too. 8.10 zone-aware clusters send `"<zone>_<n>"`; those are out of
//! scope for dual-region and are rejected with a message naming the value.

//!
//! This module is the one place that knows a broker id is a number: the cockpit asks a
//! [`BrokerId`] for its region and builds the ids of a numbered layout here, so that 8.10's
//! zoned ids change this file and not every rule that uses one.

use crate::Region;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A Zeebe broker (node) id. Broker `n` lives in region `n % 2` in a dual-region cluster.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BrokerId(pub i32);

impl BrokerId {
    /// The region a broker belongs to in a dual-region layout (even ids in 0, odd in 1; the
    /// rule of dual-region-procedure.md §2.1).
    pub fn region(self) -> Region {
        if self.0.rem_euclid(2) == 0 {
            Region::ZERO
        } else {
            Region::ONE
        }
    }

    /// The `n`-th broker (from 0) of `region` in a numbered dual-region layout, which is what
    /// the Helm chart's pod `<release>-zeebe-<n>` of that region runs: `2n + region`. `None`
    /// when the id would not fit (an absurd ordinal from outside).
    pub fn nth_of(region: Region, n: u32) -> Option<BrokerId> {
        i32::try_from(n)
            .ok()?
            .checked_mul(2)?
            .checked_add(i32::from(region.id()))
            .map(BrokerId)
    }

    /// Its place among its region's brokers in a numbered layout: the ordinal of the Helm
    /// chart's pod `<release>-zeebe-<ordinal>` that runs it (`id / 2`).
    pub fn ordinal(self) -> i32 {
        self.0 / 2
    }

    /// The ids of a numbered cluster of `size` brokers (`0..size`), for when only the size is
    /// known.
    pub fn numbered(size: usize) -> impl Iterator<Item = BrokerId> {
        (0..i32::try_from(size).unwrap_or(i32::MAX)).map(BrokerId)
    }
}

/// Debug-printed as the id itself: messages print lists of ids with `{:?}` (`[1, 3]`), and
/// those words did not change when the ids got their own type.
impl fmt::Debug for BrokerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// Displayed as the number, honouring width and alignment (tables pad ids into columns).
impl fmt::Display for BrokerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for BrokerId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(self.0)
    }
}

impl<'de> Deserialize<'de> for BrokerId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw<'a> {
            Num(i64),
            #[serde(borrow)]
            Str(std::borrow::Cow<'a, str>),
        }
        match Raw::deserialize(d)? {
            Raw::Num(n) => i32::try_from(n)
                .map(BrokerId)
                .map_err(|_| serde::de::Error::custom(format!("broker id {n} is out of range"))),
            Raw::Str(s) => parse_broker_id(&s).map_err(serde::de::Error::custom),
        }
    }
}

impl std::str::FromStr for BrokerId {
    type Err = String;

    fn from_str(s: &str) -> Result<BrokerId, String> {
        parse_broker_id(s)
    }
}

/// Parses a broker id written as text, as request bodies and query strings carry it.
pub fn parse_broker_id(s: &str) -> Result<BrokerId, String> {
    s.trim()
        .parse::<i32>()
        .map(BrokerId)
        .map_err(|_| format!("broker id {s:?} is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_numbers_and_numeric_strings() {
        let ids: Vec<BrokerId> = serde_json::from_str(r#"[0, "2", " 4 ", 7]"#).unwrap();
        assert_eq!(
            ids,
            vec![BrokerId(0), BrokerId(2), BrokerId(4), BrokerId(7)]
        );
    }

    #[test]
    fn rejects_words_with_the_value_in_the_message() {
        let err = serde_json::from_str::<Vec<BrokerId>>(r#"["zone-a_1"]"#).unwrap_err();
        assert!(err.to_string().contains("zone-a_1"), "{err}");
    }

    #[test]
    fn region_follows_parity() {
        assert_eq!(BrokerId(6).region(), Region::ZERO);
        assert_eq!(BrokerId(7).region(), Region::ONE);
        assert_eq!(BrokerId(-1).region(), Region::ONE);
    }

    #[test]
    fn numbered_layouts_alternate_regions() {
        assert_eq!(BrokerId::nth_of(Region::ONE, 3), Some(BrokerId(7)));
        assert_eq!(BrokerId::nth_of(Region::ZERO, 0), Some(BrokerId(0)));
        assert_eq!(BrokerId::nth_of(Region::ONE, u32::MAX), None);
        assert_eq!(
            BrokerId::numbered(3).collect::<Vec<_>>(),
            [BrokerId(0), BrokerId(1), BrokerId(2)]
        );
    }
}
