//! The two regions of a dual-region deployment, as a type: a region is 0 or 1, never any
//! other number, and per-region data is indexed by it rather than by `r as usize`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Index, IndexMut};

/// One of the two regions (0 or 1, as configured). Displays as its number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Region(u8);

impl Region {
    pub const ZERO: Region = Region(0);
    pub const ONE: Region = Region(1);
    /// Both regions, in order.
    pub const BOTH: [Region; 2] = [Region::ZERO, Region::ONE];

    /// The region numbered `id`, if there is one.
    pub const fn new(id: u8) -> Option<Region> {
        if id < 2 { Some(Region(id)) } else { None }
    }

    /// Its number, as configurations and the APIs write it.
    pub const fn id(self) -> u8 {
        self.0
    }

    /// Its position in per-region arrays.
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// The other region: the survivor of this one's loss.
    pub const fn other(self) -> Region {
        Region(1 - self.0)
    }
}

impl TryFrom<u8> for Region {
    type Error = String;

    fn try_from(id: u8) -> Result<Region, String> {
        Region::new(id).ok_or_else(|| format!("region {id} does not exist (0 or 1)"))
    }
}

impl From<Region> for u8 {
    fn from(r: Region) -> u8 {
        r.0
    }
}

/// Debug-printed as its number, as the bare number it replaces was (messages print lists of
/// regions with `{:?}`).
impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// Displayed as the number, honouring width and alignment.
impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// One value per region, indexed by [`Region`]. Serialises as a two-element array.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PerRegion<T>(pub [T; 2]);

impl<T> PerRegion<T> {
    /// Each region with its value, in order.
    pub fn iter(&self) -> impl Iterator<Item = (Region, &T)> {
        Region::BOTH.into_iter().zip(self.0.iter())
    }

    /// A value for each region, made from the region.
    pub fn from_fn(mut f: impl FnMut(Region) -> T) -> PerRegion<T> {
        PerRegion([f(Region::ZERO), f(Region::ONE)])
    }

    /// The values, in region order.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.0.iter()
    }

    /// The values, in region order, to change.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.0.iter_mut()
    }

    /// Each region's value turned into another, region by region.
    pub fn map<U>(self, mut f: impl FnMut(Region, T) -> U) -> PerRegion<U> {
        let [a, b] = self.0;
        PerRegion([f(Region::ZERO, a), f(Region::ONE, b)])
    }
}

impl<T> Index<Region> for PerRegion<T> {
    type Output = T;

    fn index(&self, r: Region) -> &T {
        &self.0[r.index()]
    }
}

impl<T> IndexMut<Region> for PerRegion<T> {
    fn index_mut(&mut self, r: Region) -> &mut T {
        &mut self.0[r.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_zero_and_one_are_regions() {
        assert_eq!(Region::new(1), Some(Region::ONE));
        assert_eq!(Region::new(2), None);
        assert!(serde_json::from_str::<Region>("2").is_err());
        assert_eq!(serde_json::from_str::<Region>("0").unwrap(), Region::ZERO);
        assert_eq!(serde_json::to_string(&Region::ONE).unwrap(), "1");
        assert_eq!(Region::ZERO.other(), Region::ONE);
        assert_eq!(Region::ONE.to_string(), "1");
    }

    #[test]
    fn per_region_values_are_indexed_by_region() {
        let mut v = PerRegion::from_fn(|r| r.id() * 10);
        v[Region::ONE] += 1;
        assert_eq!(v.0, [0, 11]);
        assert_eq!(
            v.iter().map(|(r, x)| (r.id(), *x)).collect::<Vec<_>>(),
            [(0, 0), (1, 11)]
        );
        assert_eq!(serde_json::to_string(&v).unwrap(), "[0,11]");
        assert_eq!(v.values().sum::<u8>(), 11);
        assert_eq!(
            v.map(|r, x| (r, x)).0,
            [(Region::ZERO, 0), (Region::ONE, 11)]
        );
    }
}
