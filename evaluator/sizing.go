package evaluator

import "os"

// bytesPerUser is about what one user row takes in a snapshot (570 to 690
// bytes in Graph's report); the plan below needs only its order.
const bytesPerUser = 600

// Chunk sizes the plan chooses between. Below minChunk the per-evaluation
// cost (preparing the query's context, the admins list of the chunk) shows;
// above maxChunk a chunk's OPA values (a few KB a user) cost memory, and
// the last chunk keeps one worker busy while the others have finished.
const (
	minChunk = 512
	maxChunk = 4096
	// chunksPerWorker keeps the tail short: the last chunk is a small
	// part of each worker's share.
	chunksPerWorker = 16
)

// plan picks the users per chunk and the number of workers for a snapshot
// of size bytes on up to workers cores: chunks of a sixteenth of a worker's
// share, between minChunk and maxChunk, and no more workers than chunks (a
// small tenant is one chunk: one worker, nothing to hand over).
func plan(size int64, workers int) (chunk, n int) {
	users := max(size/bytesPerUser, 1)
	chunk = int(min(max(users/int64(workers*chunksPerWorker), minChunk), maxChunk))
	chunks := int((users + int64(chunk) - 1) / int64(chunk))
	return chunk, max(min(workers, chunks), 1)
}

// planFor applies plan to a snapshot of size bytes (-1: unknown) unless
// the caller fixed the chunk size; it returns the workers to start and
// whether to convert only the properties the controls read. A snapshot of
// one chunk converts them all: analysing the controls would cost more than
// it saves.
func (e *Engine) planFor(size int64, chunk *int) (workers int, prune bool) {
	if e.cfg.chunkSize > 0 {
		*chunk = e.cfg.chunkSize
		return e.cfg.workers, true
	}
	if *chunk > 0 {
		return e.cfg.workers, true
	}
	if size < 0 {
		return e.cfg.workers, false // the scan names the error
	}
	*chunk, workers = plan(size, e.cfg.workers)
	return workers, size/bytesPerUser > int64(*chunk)
}

// fileSize is the size of the file at path, -1 when it cannot be read.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return fi.Size()
}
