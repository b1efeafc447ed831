// The one path the git hooks call. They run on every push, before the pusher's
// pipeline can start, and loading the API's schemas (zod) takes longer than node
// itself needs to start: so the contract takes this path from here, and the
// hook can name it without loading the rest.
export const GIT_RECEIVED_PATH = '/v1/git/:app/received';
