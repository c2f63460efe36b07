// The agent session store.
import { Module } from '@nestjs/common';
import { SessionController } from './session.controller';
import { SessionRepository } from './session.repository';
import { SessionService } from './session.service';

@Module({
  controllers: [SessionController],
  providers: [SessionRepository, SessionService],
})
export class SessionsModule {}
