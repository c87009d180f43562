/** Typed socket.io event maps shared by the coordinator and the client. */
import type {
  Ack,
  AuthChallenge,
  AuthProof,
  AuthRefusal,
  ClientErrorMessage,
  EvaluationMessage,
  ModelDescription,
  RoundEnd,
  RoundStart,
  RunEnd,
  UpdateMessage,
} from './schemas';
import type { SecAggRequest } from './secagg';

export interface ServerToClientEvents {
  'auth:challenge': (message: AuthChallenge, ack: (proof: AuthProof) => void) => void;
  'auth:refused': (message: AuthRefusal) => void;
  'model:describe': (message: ModelDescription) => void;
  'round:start': (message: RoundStart) => void;
  'round:end': (message: RoundEnd) => void;
  'run:end': (message: RunEnd) => void;
  /** A stage of secure aggregation; the client answers in the acknowledgement (its response, or { error }). */
  'secagg:request': (message: SecAggRequest, ack: (response: unknown) => void) => void;
}

export interface ClientToServerEvents {
  'round:update': (message: UpdateMessage, ack: (reply: Ack) => void) => void;
  'round:evaluation': (message: EvaluationMessage, ack: (reply: Ack) => void) => void;
  'round:error': (message: ClientErrorMessage) => void;
}
