//! Hand-offs through queues: a handler puts a task on a queue or list
//! (`q.put(task)`, `async_tasks.append(task)`) that a worker started
//! elsewhere takes off (`q.get()`, `async_tasks.pop(0)` in a function run by
//! `Thread(target=worker)` or `asyncio.create_task(worker())`). The call
//! graph gets an edge from the enqueueing call to the worker (`Via::Queue`),
//! so what the worker reaches is reached from the handler.
//!
//! A queue is known by the object it is: a module-level name (`pkg.mod.q`,
//! the same from any module that imports it) or an attribute of `self` in
//! the methods of one class (`pkg.mod.Class.q`). Queues held in locals or
//! passed as parameters are not followed. Which methods put and take is the
//! language's business (`lang::Semantics`).
//!
//! A channel's two ends are different objects (`tx.send(job)` on a
//! `Sender<Job>`, `rx.recv()` on a `Receiver<Job>`): the frontend records
//! the message type of such calls (`FileFacts::channels`), and that type is
//! the queue. A worker of a channel is a started function that takes from
//! it (or a function that takes from it inside a task it starts,
//! `spawn(async move { while let Some(j) = rx.recv().await {..} })`), or a
//! started function that calls a project function putting on it: a task
//! holding the queue's handle asks it for work (`queue.next_batch()`).

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::analysis::callgraph::{NodeId, Site, Via};
use crate::analysis::{FastSet, Project, Reader};
use crate::facts::{Call, FileFacts, QName, Receiver};
use crate::lang;

/// Per queue, at most this many workers take from it...
pub const MAX_CONSUMERS: usize = 8;
/// ...and this many calls put on it get edges.
pub const MAX_PRODUCERS: usize = 64;

/// What the queue pass found and what its caps cut.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueStats {
    /// Queues with both a producer and a started worker.
    pub queues: usize,
    pub edges: usize,
    /// Producers or consumers left out at the caps.
    pub cut: usize,
}

/// One hand-off: the call that enqueues (in `caller`) and the worker.
pub struct QueueEdge {
    pub caller: NodeId,
    pub site: Site,
    pub to: NodeId,
}

/// The hand-off edges of the project, from what [`file_queues`] found in
/// every file (in file order: producers and consumers are listed in file
/// and call order whatever the thread count). `targets(site)` gives the
/// call graph's other targets of a call site, `node_at` the node whose
/// code holds a call.
pub(crate) fn queue_edges<'t>(
    project: &Project,
    per_file: Vec<FileQueues>,
    targets: impl Fn(Site) -> &'t [(NodeId, Via)] + Sync,
    node_at: impl Fn(usize, &Call) -> NodeId + Sync,
) -> (Vec<QueueEdge>, QueueStats) {
    // Workers: functions passed to be run (`Thread(target=worker)`), and
    // functions whose call a task starter is given (`create_task(worker())`).
    let mut started: FastSet<NodeId> = FastSet::default();
    let mut producers: BTreeMap<String, Vec<(NodeId, Site)>> = BTreeMap::new();
    let mut consumers: BTreeMap<String, Takers> = BTreeMap::new();
    for file in per_file {
        started.extend(file.started);
        for QueueUse { key, node, site } in file.uses {
            match site {
                Some(site) => producers.entry(key).or_default().push((node, site)),
                None => consumers.entry(key).or_default().add(node),
            }
        }
    }
    handle_workers(
        project,
        &producers,
        &started,
        &mut consumers,
        &targets,
        &node_at,
    );
    let mut stats = QueueStats::default();
    let mut edges = Vec::new();
    for (key, puts) in producers {
        let Some(takes) = consumers.get(&key) else {
            continue;
        };
        let workers: Vec<NodeId> = takes
            .nodes
            .iter()
            .copied()
            .filter(|n| started.contains(n))
            .collect();
        if workers.is_empty() {
            continue;
        }
        stats.queues += 1;
        stats.cut +=
            puts.len().saturating_sub(MAX_PRODUCERS) + workers.len().saturating_sub(MAX_CONSUMERS);
        for &(caller, site) in puts.iter().take(MAX_PRODUCERS) {
            for &to in workers.iter().take(MAX_CONSUMERS) {
                if to != caller {
                    edges.push(QueueEdge { caller, site, to });
                    stats.edges += 1;
                }
            }
        }
    }
    (edges, stats)
}

/// The functions that take from one queue, each once, in the order found.
/// (A list searched for each new one was quadratic in a queue's takers,
/// the largest serial part of the call graph's build on the 10k corpus.)
#[derive(Default)]
struct Takers {
    nodes: Vec<NodeId>,
    seen: FastSet<NodeId>,
}

impl Takers {
    fn add(&mut self, node: NodeId) {
        if self.seen.insert(node) {
            self.nodes.push(node);
        }
    }
}

/// What one file's calls put on and take from queues, in call order.
#[derive(Default)]
pub(crate) struct FileQueues {
    /// Functions this file's calls start as workers.
    started: Vec<NodeId>,
    uses: Vec<QueueUse>,
}

/// A call that puts on (`site` set) or takes from (`site` unset) queue
/// `key`, made in `node`'s code.
struct QueueUse {
    key: String,
    node: NodeId,
    site: Option<Site>,
}

/// The queue calls and started workers of file `fi`. `targets` is asked
/// only for this file's call sites, so the call graph finds them in the
/// same pass over the file as its targets.
pub(crate) fn file_queues<'t>(
    project: &Project,
    fi: usize,
    file: &FileFacts,
    targets: &impl Fn(Site) -> &'t [(NodeId, Via)],
    node_at: &impl Fn(usize, &Call) -> NodeId,
    is_function: &impl Fn(NodeId) -> bool,
) -> FileQueues {
    let mut out = FileQueues::default();
    let sem = lang::semantics(file.language);
    if sem.enqueue.is_empty() {
        return out;
    }
    // Task-starting calls of this file: (byte range, caller).
    let mut starts: Vec<(std::ops::Range<u32>, NodeId)> = Vec::new();
    for (ci, call) in file.calls.iter().enumerate() {
        let site = Site { file: fi, call: ci };
        let last = call.callee.rsplit('.').next().unwrap_or_default();
        if sem.task_starters.contains(&last) {
            starts.push((call.span.start_byte..call.span.end_byte, node_at(fi, call)));
            for inner in file.calls_in(call.span.start_byte + 1..call.span.end_byte) {
                out.started.extend(
                    targets(Site {
                        file: fi,
                        call: inner,
                    })
                    .iter()
                    .filter(|(_, via)| *via == Via::Callee)
                    .map(|(t, _)| *t),
                );
            }
        }
        out.started.extend(
            targets(site)
                .iter()
                .filter(|(_, via)| *via == Via::Argument)
                .map(|(t, _)| *t),
        );
        let Receiver::Name(chain) = call.receiver else {
            continue;
        };
        let put = sem.enqueue.contains(&last);
        if !put && !sem.dequeue.contains(&last) {
            continue;
        }
        let key = match file.channels.binary_search_by_key(&(ci as u32), |c| c.call) {
            // By the type's own name, whatever re-export named it.
            Ok(i) => Some(format!(
                "{CHANNEL}{}",
                project.canonical_or_same(&QName::new(&file.channels[i].message))
            )),
            Err(_) => queue_key(file, call, chain.as_str(), last, sem.receiver_params),
        };
        let Some(key) = key else {
            continue;
        };
        let node = node_at(fi, call);
        if put {
            out.uses.push(QueueUse {
                key,
                node,
                site: Some(site),
            });
        } else if is_function(node) {
            // Taken off inside a task this function starts.
            let at = call.span.start_byte;
            if starts
                .iter()
                .any(|(r, n)| *n == node && r.start < at && at < r.end)
            {
                out.started.push(node);
            }
            out.uses.push(QueueUse {
                key,
                node,
                site: None,
            });
        }
    }
    out
}

/// Keys of queues that are channels, by message type.
const CHANNEL: &str = "channel ";

/// Started functions that call a project function putting on a channel
/// (a task given the queue's handle, asking it for work) are workers of
/// that channel. One more pass over the calls, only in a project that has
/// channels: per file on the thread pool, merged in file order.
fn handle_workers<'t>(
    project: &Project,
    producers: &BTreeMap<String, Vec<(NodeId, Site)>>,
    started: &FastSet<NodeId>,
    consumers: &mut BTreeMap<String, Takers>,
    targets: &(impl Fn(Site) -> &'t [(NodeId, Via)] + Sync),
    node_at: &(impl Fn(usize, &Call) -> NodeId + Sync),
) {
    let mut putters: BTreeMap<NodeId, Vec<&str>> = BTreeMap::new();
    for (key, puts) in producers.range(CHANNEL.to_string()..) {
        if !key.starts_with(CHANNEL) {
            break;
        }
        for (node, _) in puts {
            putters.entry(*node).or_default().push(key);
        }
    }
    if putters.is_empty() || started.is_empty() {
        return;
    }
    let per_file: Vec<Vec<(&str, NodeId)>> = project
        .each_file(Reader::Queues)
        .par_iter()
        .map(|(fi, file)| {
            let mut takes = Vec::new();
            if lang::semantics(file.language).enqueue.is_empty() {
                return takes;
            }
            for (ci, call) in file.calls.iter().enumerate() {
                let node = node_at(fi, call);
                if !started.contains(&node) {
                    continue;
                }
                for &(to, via) in targets(Site { file: fi, call: ci }) {
                    if via != Via::Callee {
                        continue;
                    }
                    for key in putters.get(&to).into_iter().flatten() {
                        takes.push((*key, node));
                    }
                }
            }
            takes
        })
        .collect();
    for (key, node) in per_file.into_iter().flatten() {
        consumers.entry(key.to_string()).or_default().add(node);
    }
}

/// The queue object a `put`/`get` call is made on, when it is one a
/// handler and a worker can share: a module-level name (as imported or
/// resolved, `pkg.worker.async_tasks`), a module-level name of this file not
/// bound in the calling function, or an attribute of the receiver parameter
/// in a method (`pkg.mod.Class.tasks`).
fn queue_key(
    file: &FileFacts,
    call: &Call,
    chain: &str,
    method: &str,
    receiver_params: &[&str],
) -> Option<String> {
    for name in [*call.imported(), call.resolved].into_iter().flatten() {
        if let Some(object) = name
            .as_str()
            .strip_suffix(method)
            .and_then(|s| s.strip_suffix('.'))
            && !object.contains(['(', '['])
            && object.contains('.')
        {
            return Some(object.to_owned());
        }
    }
    let (head, rest) = chain.split_once('.').unwrap_or((chain, ""));
    let function = call
        .scope
        .and_then(|s| file.functions.iter().find(|f| f.qualname == s));
    if receiver_params.contains(&head) {
        let class = function?.class?;
        return (!rest.is_empty()).then(|| format!("{}.{class}.{rest}", file.module));
    }
    let module_level = file
        .assignments
        .iter()
        .any(|a| a.scope.is_none() && a.target == head);
    let local = file
        .assignments
        .iter()
        .any(|a| a.scope.is_some() && a.scope == call.scope && a.target == head)
        || function.is_some_and(|f| f.params.iter().any(|p| p == head));
    (module_level && !local).then(|| format!("{}.{chain}", file.module))
}
