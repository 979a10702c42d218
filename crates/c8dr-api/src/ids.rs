//! Broker ids as the APIs send them: numbered (`3`) or, on 8.10 zone-aware clusters, zoned
//! (`"london_0"`).
//!
//! `/actuator/cluster` sends an integer for a numbered broker and a string for a zoned one,
//! both in one response during a migration; `/v2/topology`'s `brokerId` is always a string
//! (`"3"` or `"london_0"`); request bodies take either. The index of a zoned id counts from 0
//! inside its zone, so `london_0` and `paris_0` are different brokers with the same `nodeId`
//! (zone-aware-dual-region.md §2.1, §2.2).
//!
//! This module is the one place that knows how an id is written and how a numbered id maps to
//! a region (parity). A zoned id's region is its zone's, which only the configuration knows:
//! [`ZoneMap`] carries that, and every rule asks it rather than the id.

use crate::{PerRegion, Region};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::sync::Mutex;

/// A zone name, interned so that ids stay `Copy` (they are passed by value through hundreds
/// of rules). The interner is bounded: a server that invents zone names without end gets an
/// error, not our memory.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Zone(&'static str);

/// At most this many distinct zone names per process; real clusters have two or three.
const MAX_ZONES: usize = 256;
/// Longest zone name accepted (Kubernetes label values and AWS region names fit).
const MAX_ZONE_LEN: usize = 63;

static ZONES: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

impl Zone {
    /// The zone named `name`: non-empty, at most 63 characters, no whitespace and no `/`
    /// (8.10's alphas wrote `zone/n`). An `_` is allowed: Camunda does not forbid it and the
    /// index of a zoned id is what follows the *last* `_` (its scripts split at the first,
    /// which is why its docs avoid such names).
    pub fn new(name: &str) -> Result<Zone, String> {
        if name.is_empty() {
            return Err("a zone name is empty".into());
        }
        if name.len() > MAX_ZONE_LEN {
            return Err(format!(
                "zone name {:?}… is longer than {MAX_ZONE_LEN} characters",
                name.chars().take(20).collect::<String>()
            ));
        }
        if let Some(c) = name
            .chars()
            .find(|c| *c == '/' || c.is_whitespace() || c.is_control())
        {
            return Err(format!("zone name {name:?} contains {c:?}"));
        }
        let mut zones = ZONES.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(z) = zones.iter().find(|z| **z == name) {
            return Ok(Zone(z));
        }
        if zones.len() >= MAX_ZONES {
            return Err(format!(
                "zone {name:?}: more than {MAX_ZONES} distinct zone names seen"
            ));
        }
        let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
        zones.push(leaked);
        Ok(Zone(leaked))
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.0)
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Zone::new(&s).map_err(serde::de::Error::custom)
    }
}

/// A Zeebe broker id. Numbered ids sort before zoned ones; zoned ids by zone, then index.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BrokerId {
    /// A numbered (round-robin) cluster's broker `n`: region `n % 2` in dual-region.
    Numbered(i32),
    /// A zone-aware cluster's broker `<zone>_<index>`, the index counting from 0 in its zone.
    Zoned { zone: Zone, index: u32 },
}

impl BrokerId {
    /// The broker `<zone>_<index>`.
    pub fn zoned(zone: Zone, index: u32) -> BrokerId {
        BrokerId::Zoned { zone, index }
    }

    /// Its zone, for a zoned id.
    pub fn zone(self) -> Option<Zone> {
        match self {
            BrokerId::Numbered(_) => None,
            BrokerId::Zoned { zone, .. } => Some(zone),
        }
    }

    pub fn is_zoned(self) -> bool {
        matches!(self, BrokerId::Zoned { .. })
    }

    /// The number of a numbered id.
    pub fn number(self) -> Option<i32> {
        match self {
            BrokerId::Numbered(n) => Some(n),
            BrokerId::Zoned { .. } => None,
        }
    }

    /// The region of a numbered id in a dual-region layout (even ids in 0, odd in 1; the
    /// rule of dual-region-procedure.md §2.1). `None` for a zoned id: ask a [`ZoneMap`].
    pub fn parity_region(self) -> Option<Region> {
        match self {
            BrokerId::Numbered(n) if n.rem_euclid(2) == 0 => Some(Region::ZERO),
            BrokerId::Numbered(_) => Some(Region::ONE),
            BrokerId::Zoned { .. } => None,
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
            .map(BrokerId::Numbered)
    }

    /// Its place among its region's (or zone's) brokers: the ordinal of the pod that runs it,
    /// `<release>-zeebe-<ordinal>` (`id / 2`) or `<release>-zeebe-<zone>-<ordinal>` (the index).
    pub fn ordinal(self) -> u32 {
        match self {
            BrokerId::Numbered(n) => u32::try_from(n.max(0) / 2).unwrap_or(0),
            BrokerId::Zoned { index, .. } => index,
        }
    }

    /// The name of the Helm chart's StatefulSet that runs it: `<release>-zeebe` or
    /// `<release>-zeebe-<zone>` (zone-aware-dual-region.md §4.2).
    pub fn statefulset(self, release: &str) -> String {
        match self {
            BrokerId::Numbered(_) => format!("{release}-zeebe"),
            BrokerId::Zoned { zone, .. } => format!("{release}-zeebe-{zone}"),
        }
    }

    /// The name of the pod that runs it.
    pub fn pod(self, release: &str) -> String {
        format!("{}-{}", self.statefulset(release), self.ordinal())
    }

    /// The ids of a numbered cluster of `size` brokers (`0..size`), for when only the size is
    /// known.
    pub fn numbered(size: usize) -> impl Iterator<Item = BrokerId> {
        (0..i32::try_from(size).unwrap_or(i32::MAX)).map(BrokerId::Numbered)
    }

    /// The ids of zone `zone` with `count` brokers: `<zone>_0 … <zone>_<count-1>`.
    pub fn of_zone(zone: Zone, count: u32) -> impl Iterator<Item = BrokerId> {
        (0..count).map(move |index| BrokerId::Zoned { zone, index })
    }

    /// The id as a JSON value: a number when numbered, a string when zoned (as
    /// `/actuator/cluster` writes it).
    pub fn to_json(self) -> serde_json::Value {
        match self {
            BrokerId::Numbered(n) => n.into(),
            BrokerId::Zoned { .. } => self.to_string().into(),
        }
    }
}

/// Debug-printed as the id itself: messages print lists of ids with `{:?}` (`[1, 3]`,
/// `[london_0, london_1]`).
impl fmt::Debug for BrokerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Displayed as the API writes it, honouring width and alignment (tables pad ids).
impl fmt::Display for BrokerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BrokerId::Numbered(n) => fmt::Display::fmt(n, f),
            BrokerId::Zoned { zone, index } => f.pad(&format!("{zone}_{index}")),
        }
    }
}

impl Serialize for BrokerId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            BrokerId::Numbered(n) => s.serialize_i32(*n),
            BrokerId::Zoned { .. } => s.collect_str(self),
        }
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
                .map(BrokerId::Numbered)
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

/// Parses a broker id written as text: `3`, `"3"` or `"<zone>_<n>"`.
pub fn parse_broker_id(s: &str) -> Result<BrokerId, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<i32>() {
        return Ok(BrokerId::Numbered(n));
    }
    let Some((zone, index)) = t.rsplit_once('_') else {
        return Err(format!(
            "broker id {s:?} is neither a number nor <zone>_<index>"
        ));
    };
    let index = index
        .parse::<u32>()
        .map_err(|_| format!("broker id {s:?}: {index:?} after the last '_' is not an index"))?;
    let zone = Zone::new(zone).map_err(|e| format!("broker id {s:?}: {e}"))?;
    Ok(BrokerId::Zoned { zone, index })
}

/// `Option<BrokerId>` written as a JSON string whatever its kind, as `/v2/topology`'s
/// `brokerId` is (`"3"`, `"london_0"`); read from a string or a number.
pub mod as_string {
    use super::BrokerId;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(id: &Option<BrokerId>, s: S) -> Result<S::Ok, S::Error> {
        match id {
            Some(id) => s.collect_str(id),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<BrokerId>, D::Error> {
        Option::<BrokerId>::deserialize(d)
    }
}

/// Which zone is which region's, from the configuration (`[[regions]] zone = "london"`,
/// defaulting to the region's name). Numbered ids need no zones: their region is parity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneMap(pub PerRegion<Option<Zone>>);

impl ZoneMap {
    /// No zones known: only numbered ids have a region.
    pub const NONE: ZoneMap = ZoneMap(PerRegion([None, None]));

    /// The zones named per region; a name that is not a valid zone leaves that region
    /// without one.
    pub fn from_names(names: &PerRegion<String>) -> ZoneMap {
        ZoneMap(PerRegion::from_fn(|r| Zone::new(&names[r]).ok()))
    }

    /// The region a broker belongs to: parity for a numbered id, its zone's region for a
    /// zoned one; `None` for a zone no region is configured with (a third zone, a typo).
    pub fn region_of(&self, id: BrokerId) -> Option<Region> {
        match id {
            BrokerId::Numbered(_) => id.parity_region(),
            BrokerId::Zoned { zone, .. } => self.region_of_zone(zone),
        }
    }

    /// The region configured with `zone`.
    pub fn region_of_zone(&self, zone: Zone) -> Option<Region> {
        self.0
            .iter()
            .find(|(_, z)| **z == Some(zone))
            .map(|(r, _)| r)
    }

    /// Region `r`'s zone.
    pub fn zone(&self, r: Region) -> Option<Zone> {
        self.0[r]
    }

    /// The region configured with the zone named `name` (as a server wrote it: compared, not
    /// interned, so names from outside cannot fill the interner).
    pub fn region_of_name(&self, name: &str) -> Option<Region> {
        self.0
            .iter()
            .find(|(_, z)| z.is_some_and(|z| z.as_str() == name))
            .map(|(r, _)| r)
    }
}

impl Default for ZoneMap {
    fn default() -> ZoneMap {
        ZoneMap::NONE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn z(name: &str) -> Zone {
        Zone::new(name).unwrap()
    }

    #[test]
    fn accepts_numbers_and_numeric_strings() {
        let ids: Vec<BrokerId> = serde_json::from_str(r#"[0, "2", " 4 ", 7]"#).unwrap();
        assert_eq!(
            ids,
            vec![
                BrokerId::Numbered(0),
                BrokerId::Numbered(2),
                BrokerId::Numbered(4),
                BrokerId::Numbered(7)
            ]
        );
    }

    #[test]
    fn parses_zoned_ids_and_writes_them_back_as_strings() {
        let ids: Vec<BrokerId> =
            serde_json::from_str(r#"["london_0", "eu-west-1_3", 5, "us_east_1_2"]"#).unwrap();
        assert_eq!(ids[0], BrokerId::zoned(z("london"), 0));
        assert_eq!(ids[1], BrokerId::zoned(z("eu-west-1"), 3));
        assert_eq!(ids[2], BrokerId::Numbered(5));
        // The index follows the last '_', so a zone may contain one.
        assert_eq!(ids[3], BrokerId::zoned(z("us_east_1"), 2));
        assert_eq!(
            serde_json::to_string(&ids[..3]).unwrap(),
            r#"["london_0","eu-west-1_3",5]"#
        );
        assert_eq!(ids[0].to_string(), "london_0");
        assert_eq!(format!("{:>10}", ids[0]), "  london_0");
    }

    #[test]
    fn rejects_words_with_the_value_in_the_message() {
        for bad in [
            r#"["zone-a"]"#,
            r#"["zone-a_x"]"#,
            r#"["_1"]"#,
            r#"["zone/1"]"#,
        ] {
            let err = serde_json::from_str::<Vec<BrokerId>>(bad).unwrap_err();
            let inner = bad.trim_matches(|c| c == '[' || c == ']' || c == '"');
            assert!(err.to_string().contains(inner), "{bad}: {err}");
        }
    }

    #[test]
    fn region_follows_parity_or_the_configured_zone() {
        assert_eq!(BrokerId::Numbered(6).parity_region(), Some(Region::ZERO));
        assert_eq!(BrokerId::Numbered(7).parity_region(), Some(Region::ONE));
        assert_eq!(BrokerId::Numbered(-1).parity_region(), Some(Region::ONE));
        let zones = ZoneMap(PerRegion([Some(z("london")), Some(z("paris"))]));
        assert_eq!(
            zones.region_of(BrokerId::zoned(z("paris"), 0)),
            Some(Region::ONE)
        );
        assert_eq!(
            zones.region_of(BrokerId::zoned(z("london"), 3)),
            Some(Region::ZERO)
        );
        assert_eq!(zones.region_of(BrokerId::zoned(z("zurich"), 0)), None);
        assert_eq!(zones.region_of(BrokerId::Numbered(3)), Some(Region::ONE));
        assert_eq!(
            ZoneMap::NONE.region_of(BrokerId::zoned(z("paris"), 0)),
            None
        );
    }

    #[test]
    fn numbered_layouts_alternate_regions_and_zoned_ones_count_per_zone() {
        assert_eq!(
            BrokerId::nth_of(Region::ONE, 3),
            Some(BrokerId::Numbered(7))
        );
        assert_eq!(
            BrokerId::nth_of(Region::ZERO, 0),
            Some(BrokerId::Numbered(0))
        );
        assert_eq!(BrokerId::nth_of(Region::ONE, u32::MAX), None);
        assert_eq!(
            BrokerId::numbered(3).collect::<Vec<_>>(),
            [
                BrokerId::Numbered(0),
                BrokerId::Numbered(1),
                BrokerId::Numbered(2)
            ]
        );
        let paris: Vec<_> = BrokerId::of_zone(z("paris"), 2).collect();
        assert_eq!(format!("{paris:?}"), "[paris_0, paris_1]");
        assert_eq!(paris[1].pod("camunda"), "camunda-zeebe-paris-1");
        assert_eq!(BrokerId::Numbered(7).pod("camunda"), "camunda-zeebe-3");
    }

    #[test]
    fn zone_names_are_bounded_and_checked() {
        assert!(Zone::new("").is_err());
        assert!(Zone::new("a/b").is_err());
        assert!(Zone::new("a b").is_err());
        assert!(Zone::new(&"x".repeat(64)).is_err());
        assert_eq!(z("london"), z("london"));
        assert!(z("london") < z("paris"));
    }
}
