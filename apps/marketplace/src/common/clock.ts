// The marketplace's one source of "now": expiry reads and the expiry sweep ask it, so tests can move time.
import { Injectable } from '@nestjs/common';

@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
