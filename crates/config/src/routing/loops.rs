//! Loop detection for [`super::validate_routing`]: the routing objects that pass a call
//! on without the caller doing anything (time conditions, IVR invalid/timeout, department
//! no-answer) form a graph, and any cycle in it is a call that would never end.

use std::collections::{BTreeMap, HashSet};

use super::{Destination, RoutingConfig};

/// Every cycle of automatic transitions, as (field path of the edge that starts it,
/// message naming the whole cycle).
pub(super) fn automatic_loops(r: &RoutingConfig) -> Vec<(String, String)> {
    let graph = Graph::build(r);
    graph
        .cycles()
        .into_iter()
        .map(|cycle| {
            let (first, field) = &cycle[0];
            let mut path: Vec<String> = cycle.iter().map(|(n, _)| graph.label(*n)).collect();
            path.push(graph.label(*first));
            let message = format!("forms a loop that never ends: {}", path.join(" → "));
            (field.clone(), message)
        })
        .collect()
}

/// The automatic transitions between routing objects, for loop detection.
struct Graph<'a> {
    r: &'a RoutingConfig,
    /// Per node, its outgoing edges: (target node, field path of the edge).
    edges: BTreeMap<Node, Vec<(Node, String)>>,
}

/// A routing object that can pass a call on by itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Node {
    Time(usize),
    Ivr(usize),
    Department(usize),
}

impl<'a> Graph<'a> {
    fn build(r: &'a RoutingConfig) -> Self {
        let mut edges: BTreeMap<Node, Vec<(Node, String)>> = BTreeMap::new();
        let target = |d: &Destination| -> Option<Node> {
            match d {
                Destination::TimeCondition { id } => r
                    .time_conditions
                    .iter()
                    .position(|t| t.id == *id)
                    .map(Node::Time),
                Destination::Ivr { number } => r
                    .ivrs
                    .iter()
                    .position(|v| v.number == *number)
                    .map(Node::Ivr),
                Destination::Department { number } => r
                    .departments
                    .iter()
                    .position(|d| d.number == *number)
                    .map(Node::Department),
                _ => None,
            }
        };
        let mut add = |from: Node, dest: &Destination, field: String| {
            if let Some(to) = target(dest) {
                edges.entry(from).or_default().push((to, field));
            }
        };
        for (i, tc) in r.time_conditions.iter().enumerate() {
            add(
                Node::Time(i),
                &tc.matched,
                format!("time_conditions[{i}].matched"),
            );
            add(
                Node::Time(i),
                &tc.not_matched,
                format!("time_conditions[{i}].not_matched"),
            );
        }
        for (i, ivr) in r.ivrs.iter().enumerate() {
            add(Node::Ivr(i), &ivr.invalid, format!("ivrs[{i}].invalid"));
            add(Node::Ivr(i), &ivr.timeout, format!("ivrs[{i}].timeout"));
        }
        for (i, d) in r.departments.iter().enumerate() {
            add(
                Node::Department(i),
                &d.no_answer,
                format!("departments[{i}].no_answer"),
            );
        }
        Self { r, edges }
    }

    /// Each elementary cycle found by a depth-first search, as (node, field of its edge
    /// to the next node) pairs; a cycle is reported once.
    fn cycles(&self) -> Vec<Vec<(Node, String)>> {
        let mut done: HashSet<Node> = HashSet::new();
        let mut found = Vec::new();
        for &start in self.edges.keys() {
            let mut stack: Vec<(Node, String)> = Vec::new();
            self.dfs(start, &mut stack, &mut done, &mut found);
        }
        found
    }

    fn dfs(
        &self,
        node: Node,
        stack: &mut Vec<(Node, String)>,
        done: &mut HashSet<Node>,
        found: &mut Vec<Vec<(Node, String)>>,
    ) {
        if done.contains(&node) {
            return;
        }
        for (to, field) in self.edges.get(&node).into_iter().flatten() {
            stack.push((node, field.clone()));
            if let Some(pos) = stack.iter().position(|(n, _)| n == to) {
                found.push(stack[pos..].to_vec());
            } else {
                self.dfs(*to, stack, done, found);
            }
            stack.pop();
        }
        done.insert(node);
    }

    fn label(&self, node: Node) -> String {
        match node {
            Node::Time(i) => format!("time condition {}", self.r.time_conditions[i].id),
            Node::Ivr(i) => format!("IVR {}", self.r.ivrs[i].number),
            Node::Department(i) => format!("department {}", self.r.departments[i].number),
        }
    }
}
