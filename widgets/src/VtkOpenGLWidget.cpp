#include "bmfl/widgets/VtkOpenGLWidget.h"

#include <QElapsedTimer>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QSurfaceFormat>
#include <QWheelEvent>

#include <vtkCallbackCommand.h>
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkOpenGLState.h>
#include <vtkRendererCollection.h>

#include <cmath>

namespace bmfl
{

namespace
{

// VTK asks the host to make its context current and to say whether it is current; these
// callbacks answer with the QOpenGLWidget's context.
void onMakeCurrent(vtkObject*, unsigned long, void* clientData, void*)
{
  auto* widget = static_cast<VtkOpenGLWidget*>(clientData);
  // QOpenGLWidget::makeCurrent() also binds Qt's framebuffer. Inside paintGL the context is
  // current already, and rebinding there would put the framebuffer VTK's state cache believes
  // bound out of step with the real one: VTK then attaches its own textures to Qt's framebuffer.
  if (QOpenGLContext::currentContext() != widget->context())
  {
    widget->makeCurrent();
  }
}

void onIsCurrent(vtkObject*, unsigned long, void* clientData, void* callData)
{
  auto* widget = static_cast<VtkOpenGLWidget*>(clientData);
  *static_cast<bool*>(callData) =
    widget->context() != nullptr && QOpenGLContext::currentContext() == widget->context();
}

void onInteractorRender(vtkObject*, unsigned long, void* clientData, void*)
{
  static_cast<VtkOpenGLWidget*>(clientData)->update();
}

char asciiOf(const QKeyEvent* event)
{
  const QString text = event->text();
  if (text.size() == 1 && text.at(0).unicode() < 128)
  {
    return static_cast<char>(text.at(0).unicode());
  }
  return 0;
}

struct ButtonEvents
{
  unsigned long press = 0;
  unsigned long release = 0;
};

ButtonEvents vtkButtonEvents(Qt::MouseButton button)
{
  switch (button)
  {
    case Qt::LeftButton:
      return { vtkCommand::LeftButtonPressEvent, vtkCommand::LeftButtonReleaseEvent };
    case Qt::MiddleButton:
      return { vtkCommand::MiddleButtonPressEvent, vtkCommand::MiddleButtonReleaseEvent };
    case Qt::RightButton:
      return { vtkCommand::RightButtonPressEvent, vtkCommand::RightButtonReleaseEvent };
    default:
      return {};
  }
}

const char* vtkKeySymOf(int qtKey)
{
  switch (qtKey)
  {
    case Qt::Key_Left:
      return "Left";
    case Qt::Key_Right:
      return "Right";
    case Qt::Key_Up:
      return "Up";
    case Qt::Key_Down:
      return "Down";
    case Qt::Key_Plus:
      return "plus";
    case Qt::Key_Minus:
      return "minus";
    case Qt::Key_Escape:
      return "Escape";
    default:
      return nullptr;
  }
}

} // namespace

void VtkOpenGLWidget::configureDefaultSurfaceFormat()
{
  QSurfaceFormat format;
  format.setRenderableType(QSurfaceFormat::OpenGL);
  format.setVersion(3, 2);
  format.setProfile(QSurfaceFormat::CoreProfile);
  format.setDepthBufferSize(24);
  format.setStencilBufferSize(8);
  format.setRedBufferSize(8);
  format.setGreenBufferSize(8);
  format.setBlueBufferSize(8);
  format.setAlphaBufferSize(8);
  format.setSamples(0); // VTK's own framebuffer does the multisampling it wants
  QSurfaceFormat::setDefaultFormat(format);
}

VtkOpenGLWidget::VtkOpenGLWidget(QWidget* parent)
  : QOpenGLWidget(parent)
{
  setFocusPolicy(Qt::StrongFocus);
  connect(this, &QOpenGLWidget::aboutToCompose, this, [this]() { Composing.start(); });
  connect(this,
          &QOpenGLWidget::frameSwapped,
          this,
          [this]()
          {
            if (Composing.isValid())
            {
              RenderNanoseconds += Composing.nsecsElapsed();
              Composing.invalidate();
            }
          });
  setMouseTracking(true);
  setMinimumSize(64, 64);

  RenderWindow->SetReadyForRendering(false); // until the Qt context exists
  RenderWindow->SetOwnContext(false);
  RenderWindow->SetIsDirect(true);
  RenderWindow->SetSupportsOpenGL(true);
  RenderWindow->SetFrameBlitModeToBlitToCurrent();
  RenderWindow->SetMultiSamples(4);

  vtkNew<vtkCallbackCommand> makeCurrent;
  makeCurrent->SetCallback(onMakeCurrent);
  makeCurrent->SetClientData(this);
  RenderWindow->AddObserver(vtkCommand::WindowMakeCurrentEvent, makeCurrent);
  vtkNew<vtkCallbackCommand> isCurrent;
  isCurrent->SetCallback(onIsCurrent);
  isCurrent->SetClientData(this);
  RenderWindow->AddObserver(vtkCommand::WindowIsCurrentEvent, isCurrent);

  Interactor->SetRenderWindow(RenderWindow);
  // Renders go through Qt's paint cycle: the interactor only asks for an update().
  Interactor->EnableRenderOff();
  vtkNew<vtkCallbackCommand> renderRequest;
  renderRequest->SetCallback(onInteractorRender);
  renderRequest->SetClientData(this);
  Interactor->AddObserver(vtkCommand::RenderEvent, renderRequest);

  vtkNew<vtkInteractorStyleTrackballCamera> style;
  Interactor->SetInteractorStyle(style);
  Interactor->Initialize();
}

VtkOpenGLWidget::~VtkOpenGLWidget()
{
  // Release VTK's OpenGL resources while the Qt context still exists, and stop listening to
  // the context: QOpenGLWidget's own destructor destroys it after our members are gone.
  if (context() != nullptr)
  {
    disconnect(context(), nullptr, this, nullptr);
    makeCurrent();
    RenderWindow->Finalize();
    doneCurrent();
  }
  RenderWindow->RemoveAllObservers();
  Interactor->RemoveAllObservers();
}

vtkGenericOpenGLRenderWindow* VtkOpenGLWidget::renderWindow() const
{
  return RenderWindow.Get();
}

vtkGenericRenderWindowInteractor* VtkOpenGLWidget::interactor() const
{
  return Interactor.Get();
}

void VtkOpenGLWidget::setInteractorStyle(vtkInteractorObserver* style)
{
  Interactor->SetInteractorStyle(style);
}

int VtkOpenGLWidget::toDevicePixels(double logical) const
{
  return static_cast<int>(std::lround(logical * devicePixelRatioF()));
}

void VtkOpenGLWidget::initializeGL()
{
  connectRenderWindowToContext();
}

void VtkOpenGLWidget::connectRenderWindowToContext()
{
  RenderWindow->SetReadyForRendering(true);
  RenderWindow->InitializeFromCurrentContext();
  // A context lost with its window (re-parenting, screen change) must release VTK's resources.
  connect(context(),
          &QOpenGLContext::aboutToBeDestroyed,
          this,
          [this]()
          {
            makeCurrent();
            RenderWindow->ReleaseGraphicsResources(RenderWindow);
            RenderWindow->SetReadyForRendering(false);
          });
}

void VtkOpenGLWidget::resizeGL(int width, int height)
{
  const int deviceWidth = toDevicePixels(width);
  const int deviceHeight = toDevicePixels(height);
  RenderWindow->SetSize(deviceWidth, deviceHeight);
  Interactor->UpdateSize(deviceWidth, deviceHeight);
}

void VtkOpenGLWidget::paintGL()
{
  if (!RenderWindow->GetReadyForRendering())
  {
    return;
  }
  resizeGL(width(), height());
  // Qt touches OpenGL state between frames; VTK caches it. Forget the cache, render into VTK's
  // framebuffer, then VTK blits into the framebuffer Qt has bound for this widget.
  vtkOpenGLState* state = RenderWindow->GetState();
  state->Reset();
  state->ResetFramebufferBindings();
  state->Push();
  QElapsedTimer clock;
  clock.start();
  RenderWindow->Render();
  state->Pop();
  RenderNanoseconds += clock.nsecsElapsed();
  ++RenderedFrames;
  emit frameRendered();
}

void VtkOpenGLWidget::forwardPointer(const QPointF& position,
                                     Qt::KeyboardModifiers modifiers,
                                     unsigned long vtkEvent,
                                     bool doubleClick)
{
  const int x = toDevicePixels(position.x());
  const int y = toDevicePixels(height() - position.y() - 1.0);
  Interactor->SetEventInformation(x,
                                  y,
                                  (modifiers & Qt::ControlModifier) ? 1 : 0,
                                  (modifiers & Qt::ShiftModifier) ? 1 : 0,
                                  0,
                                  doubleClick ? 1 : 0);
  Interactor->SetAltKey((modifiers & Qt::AltModifier) ? 1 : 0);
  Interactor->InvokeEvent(vtkEvent, nullptr);
}

void VtkOpenGLWidget::mousePressEvent(QMouseEvent* event)
{
  const ButtonEvents events = vtkButtonEvents(event->button());
  if (events.press == 0)
  {
    QOpenGLWidget::mousePressEvent(event);
    return;
  }
  forwardPointer(event->position(), event->modifiers(), events.press);
  event->accept();
}

void VtkOpenGLWidget::mouseDoubleClickEvent(QMouseEvent* event)
{
  if (event->button() == Qt::LeftButton)
  {
    forwardPointer(event->position(), event->modifiers(), vtkCommand::LeftButtonPressEvent, true);
    event->accept();
    return;
  }
  QOpenGLWidget::mouseDoubleClickEvent(event);
}

void VtkOpenGLWidget::mouseReleaseEvent(QMouseEvent* event)
{
  const ButtonEvents events = vtkButtonEvents(event->button());
  if (events.release == 0)
  {
    QOpenGLWidget::mouseReleaseEvent(event);
    return;
  }
  forwardPointer(event->position(), event->modifiers(), events.release);
  event->accept();
}

void VtkOpenGLWidget::mouseMoveEvent(QMouseEvent* event)
{
  forwardPointer(event->position(), event->modifiers(), vtkCommand::MouseMoveEvent);
  event->accept();
}

void VtkOpenGLWidget::wheelEvent(QWheelEvent* event)
{
  const int delta = event->angleDelta().y();
  if (delta == 0)
  {
    event->ignore();
    return;
  }
  forwardPointer(event->position(),
                 event->modifiers(),
                 delta > 0 ? vtkCommand::MouseWheelForwardEvent
                           : vtkCommand::MouseWheelBackwardEvent);
  event->accept();
}

void VtkOpenGLWidget::forwardKey(QKeyEvent* event, bool pressed)
{
  const char ascii = asciiOf(event);
  const char* keySym = vtkKeySymOf(event->key());
  const std::string asciiSym(1, ascii);
  Interactor->SetKeyEventInformation((event->modifiers() & Qt::ControlModifier) ? 1 : 0,
                                     (event->modifiers() & Qt::ShiftModifier) ? 1 : 0,
                                     ascii,
                                     event->isAutoRepeat() ? 1 : 0,
                                     keySym ? keySym : (ascii ? asciiSym.c_str() : nullptr));
  if (pressed)
  {
    Interactor->InvokeEvent(vtkCommand::KeyPressEvent, nullptr);
    if (ascii != 0)
    {
      Interactor->InvokeEvent(vtkCommand::CharEvent, nullptr);
    }
  }
  else
  {
    Interactor->InvokeEvent(vtkCommand::KeyReleaseEvent, nullptr);
  }
}

void VtkOpenGLWidget::keyPressEvent(QKeyEvent* event)
{
  forwardKey(event, true);
  event->accept();
}

void VtkOpenGLWidget::keyReleaseEvent(QKeyEvent* event)
{
  forwardKey(event, false);
  event->accept();
}

void VtkOpenGLWidget::enterEvent(QEnterEvent* event)
{
  Interactor->InvokeEvent(vtkCommand::EnterEvent, nullptr);
  QOpenGLWidget::enterEvent(event);
}

void VtkOpenGLWidget::leaveEvent(QEvent* event)
{
  Interactor->InvokeEvent(vtkCommand::LeaveEvent, nullptr);
  QOpenGLWidget::leaveEvent(event);
}

} // namespace bmfl
