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

export interface ServerToClientEvents {
  'auth:challenge': (message: AuthChallenge, ack: (proof: AuthProof) => void) => void;
  'auth:refused': (message: AuthRefusal) => void;
  'model:describe': (message: ModelDescription) => void;
  'round:start': (message: RoundStart) => void;
  'round:end': (message: RoundEnd) => void;
  'run:end': (message: RunEnd) => void;
}

export interface ClientToServerEvents {
  'round:update': (message: UpdateMessage, ack: (reply: Ack) => void) => void;
  'round:evaluation': (message: EvaluationMessage, ack: (reply: Ack) => void) => void;
  'round:error': (message: ClientErrorMessage) => void;
}
