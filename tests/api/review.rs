use crate::panels as _;
