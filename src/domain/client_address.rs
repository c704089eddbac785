//! Whose address a request comes from. Per-address limits (sign-in locks, `/verify`,
//! complaints) and the audit log need the client's address; behind a load balancer the
//! socket's peer is the balancer, the same for everyone. A balancer the operator trusts
//! appends the address it saw to `X-Forwarded-For`; anything to the left of that may be
//! written by the client and is believed only as far as the chain of trusted proxies goes.

use std::net::{IpAddr, SocketAddr};

/// The client's address: the socket's `peer` unless the peer is one of the `trusted`
/// proxies; then, reading `X-Forwarded-For` (`forwarded_for`, every header value in
/// order) from the right, the first address that is not a trusted proxy. When the chain
/// ends in something that is not an address (or ends at all) while still among trusted
/// proxies, the last address read stands: a malformed or forged entry never wins.
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpAddr]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.contains(&canonical(*ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    // From the right: the last header line's last entry is the nearest proxy's.
    for hop in forwarded_for.iter().rev().flat_map(|v| v.rsplit(',')) {
        let Some(ip) = parse_hop(hop) else {
            return client;
        };
        client = ip;
        if !is_trusted(&ip) {
            return ip;
        }
    }
    client
}

/// Parses the trusted proxies of the configuration (comma-separated addresses).
pub fn parse_trusted(text: &str) -> Result<Vec<IpAddr>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpAddr>()
                .map(canonical)
                .map_err(|_| format!("{s:?} is not an IP address"))
        })
        .collect()
}

/// One entry of `X-Forwarded-For`: an address, possibly with a port (`1.2.3.4:5678`,
/// `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(canonical)
}

/// An IPv4 address in IPv6 form (`::ffff:10.0.0.1`, as a dual-stack socket reports it) as
/// the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    const BALANCER: &str = "10.0.0.2";

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() {
        assert_eq!(
            client_address(ip("203.0.113.7"), &["198.51.100.1"], &[]),
            ip("203.0.113.7")
        );
    }

    /// The client of a request that came through the balancer, trusted alone.
    fn via_balancer(header: &[&str]) -> IpAddr {
        client_address(ip(BALANCER), header, &[ip(BALANCER)])
    }

    #[test]
    fn a_trusted_balancer_passes_on_the_address_it_saw() {
        assert_eq!(via_balancer(&["203.0.113.7"]), ip("203.0.113.7"));
        // The client wrote the left entry itself; the balancer appended the right one.
        assert_eq!(
            via_balancer(&["198.51.100.1, 203.0.113.7"]),
            ip("203.0.113.7")
        );
        // Several header lines are one list, in order.
        assert_eq!(
            via_balancer(&["198.51.100.1", "203.0.113.7"]),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_followed_to_the_first_stranger() {
        let trusted = [ip(BALANCER), ip("10.0.0.3")];
        let header = ["198.51.100.1, 203.0.113.7, 10.0.0.3"];
        assert_eq!(
            client_address(ip(BALANCER), &header, &trusted),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn malformed_or_missing_entries_leave_the_last_trusted_hop() {
        assert_eq!(via_balancer(&[]), ip(BALANCER));
        assert_eq!(via_balancer(&["198.51.100.1, unknown"]), ip(BALANCER));
        assert_eq!(via_balancer(&["203.0.113.7:4711"]), ip("203.0.113.7"));
        assert_eq!(via_balancer(&["[2001:db8::1]:443"]), ip("2001:db8::1"));
    }

    #[test]
    fn ipv4_mapped_peers_count_as_their_ipv4_address() {
        assert_eq!(
            client_address(ip("::ffff:10.0.0.2"), &["203.0.113.7"], &[ip(BALANCER)]),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn the_configuration_lists_addresses_and_names_a_bad_one() {
        assert_eq!(
            parse_trusted(" 10.0.0.2, ::1 ,").unwrap(),
            vec![ip(BALANCER), ip("::1")]
        );
        assert!(parse_trusted("10.0.0.0/8")
            .unwrap_err()
            .contains("10.0.0.0/8"));
        assert_eq!(parse_trusted("").unwrap(), Vec::<IpAddr>::new());
    }

    fn any_ip() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            any::<[u8; 4]>().prop_map(IpAddr::from),
            any::<[u16; 8]>().prop_map(|s| canonical(IpAddr::from(s))),
        ]
    }

    proptest! {
        /// A client that talks to the server directly cannot choose its address.
        #[test]
        fn an_untrusted_peer_is_never_replaced(
            peer in any_ip(),
            header in proptest::collection::vec(any_ip(), 0..6),
            trusted in proptest::collection::vec(any_ip(), 0..4),
        ) {
            prop_assume!(!trusted.contains(&peer));
            let text = header.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
            prop_assert_eq!(client_address(peer, &[&text], &trusted), peer);
        }

        /// Through trusted proxies, the answer is the peer or an entry of the header, and
        /// never a trusted proxy unless every hop is one.
        #[test]
        fn through_trusted_proxies_the_answer_is_the_first_stranger_from_the_right(
            header in proptest::collection::vec(any_ip(), 0..6),
            trusted in proptest::collection::vec(any_ip(), 1..4),
        ) {
            let peer = trusted[0];
            let text = header.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
            let got = client_address(peer, &[&text], &trusted);
            let expected = header
                .iter()
                .rev()
                .find(|h| !trusted.contains(h))
                .copied()
                .unwrap_or_else(|| header.first().copied().unwrap_or(peer));
            prop_assert_eq!(got, expected);
        }
    }
}
